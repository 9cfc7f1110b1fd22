"""E-mail notices (issue 17): the watcher's notice for an order without a mobile number,
sent as HTML and plain text with the order's tracking link and the micro-FAQ, over SMTP
with STARTTLS (aiosmtplib). `List-Unsubscribe` (one click, RFC 8058) and the link in the
message both unsubscribe the address, which is then honoured like STOP.

- `compose`: the message (subject, both parts, headers); `sender`: SMTP;
  `notices`: `EmailNotices`, what the watcher calls.
"""
