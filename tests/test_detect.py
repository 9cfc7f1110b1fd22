"""Carrier detection against the jkeen/tracking_number_data test numbers and everyday noise."""

from __future__ import annotations

import random

import pytest

from smsbot.lookup.detect import (
    CARRIERS,
    Match,
    carriers_for,
    compact,
    detect,
    find_tracking_numbers,
)

# (number as written, carrier, format, index of the check digit in the compact number or
# None when the format has none). From carriers.md §10.3.
VALID: list[tuple[str, str, str, int | None]] = [
    ("1Z5R89390357567127", "ups", "UPS 1Z", -1),
    ("1Z879E930346834440", "ups", "UPS 1Z", -1),
    ("1Z410E7W0392751591", "ups", "UPS 1Z", -1),
    ("1Z8V92A70367203024", "ups", "UPS 1Z", -1),
    (" 1 Z 8 V 9 2 A 7 0 3 6 7 2 0 3 0 2 4 ", "ups", "UPS 1Z", -1),
    ("1ZXX3150YW44070023", "ups", "UPS 1Z", -1),
    ("K1506235620", "ups", "UPS waybill", -1),
    ("K 150 623 562 0", "ups", "UPS waybill", -1),
    ("K2479825491", "ups", "UPS waybill", -1),
    ("J4603636537", "ups", "UPS waybill", -1),
    ("V0490119172", "ups", "UPS waybill", -1),
    ("V0431105627", "ups", "UPS waybill", -1),
    ("986578788855", "fedex", "FedEx 12-digit", -1),
    ("477179081230", "fedex", "FedEx 12-digit", -1),
    ("799531274483", "fedex", "FedEx 12-digit", -1),
    ("790535312317", "fedex", "FedEx 12-digit", -1),
    (" 7 9 0 5 3 5 3 1 2 3 1 7 ", "fedex", "FedEx 12-digit", -1),
    ("974367662710", "fedex", "FedEx 12-digit", -1),
    ("1001921334250001000300779017972697", "fedex", "FedEx 34-digit", -1),
    ("1001921380360001000300639585804382", "fedex", "FedEx 34-digit", -1),
    ("1001901781990001000300617767839437", "fedex", "FedEx 34-digit", -1),
    ("1002297871540001000300790695517286", "fedex", "FedEx 34-digit", -1),
    ("1027590111820004833500785458233610", "fedex", "FedEx 34-digit", -1),
    ("1195266473930007521100871079919940", "fedex", "FedEx 34-digit", -1),
    ("1195271874060007521100871140316925", "fedex", "FedEx 34-digit", -1),
    ("1195583874210007521100871140316936", "fedex", "FedEx 34-digit", -1),
    ("32971514560102447849175802862014", "fedex", "FedEx ASTRA", -5),
    ("32971510360102447848540980802018", "fedex", "FedEx ASTRA", -5),
    ("32971508360102447847941133172013", "fedex", "FedEx ASTRA", -5),
    ("33810799560000004380417923803212", "fedex", "FedEx ASTRA", -5),
    ("0414 4176 0228 964", "fedex", "FedEx Ground", -1),
    ("5682 8361 0012 000", "fedex", "FedEx Ground", -1),
    ("5682 8361 0012 734", "fedex", "FedEx Ground", -1),
    ("00 0123 4500 0000 0027", "fedex", "FedEx SSCC-18", -1),
    ("00 000123450000000027", "fedex", "FedEx SSCC-18", -1),  # after its GS1 AI (00)
    ("9611020987654312345672", "fedex", "FedEx Ground 96", -1),
    ("9622001900000000000000776632517510", "fedex", "FedEx Ground GSN", -1),
    ("9622001560000000000000794808390594", "fedex", "FedEx Ground GSN", -1),
    ("9622001560001234567100794808390594", "fedex", "FedEx Ground GSN", -1),
    ("9632001560123456789900794808390594", "fedex", "FedEx Ground GSN", -1),
    ("0307 1790 0005 2348 3741", "usps", "USPS 20-digit", -1),
    ("7112 3456 7891 2345 6787", "usps", "USPS 20-digit", -1),
    ("420787459400111206206406260787", "usps", "USPS IMpb", -1),
    ("9400111206206406260787", "usps", "USPS IMpb", -1),
    ("9400 1112 0108 0805 4830 16", "usps", "USPS IMpb", -1),
    ("9405803699300124287899", "usps", "USPS IMpb", -1),
    ("9434611206206406227577", "usps", "USPS IMpb", -1),
    ("9434611206206407667136", "usps", "USPS IMpb", -1),
    ("9400111206206407628746", "usps", "USPS IMpb", -1),
    ("9400111206206407628845", "usps", "USPS IMpb", -1),
    ("4201002334249200190132607600833457", "usps", "USPS IMpb", -1),
    ("4201028200009261290113185417468510", "usps", "USPS IMpb", -1),
    ("9505 5110 6960 5048 6006 24", "usps", "USPS IMpb", -1),
    ("92748931507708513018050063", "usps", "USPS IMpb", -1),
    ("92001903060085300042901077", "usps", "USPS IMpb", -1),
    ("9361 2898 7870 0317 6337 95", "usps", "USPS IMpb", -1),
    ("9261292700768711948021", "usps", "USPS IMpb", -1),
    ("92 6129098349792366623 8", "usps", "USPS IMpb", -1),
    ("420902459261290336128704042634", "usps", "USPS IMpb", -1),
    ("420112139261290983497923666238", "usps", "USPS IMpb", -1),
    ("420 22153 9101026837331000039521", "usps", "USPS legacy 91", -1),
    ("9101 1234 5678 9000 0000 13", "usps", "USPS legacy 91", -1),
    ("7196 9010 7560 0307 7385", "usps", "USPS legacy 91", -1),
    ("RB123456785GB", "usps", "S10 international", 10),
    ("RB123456785US", "usps", "S10 international", 10),
    ("RB123456785CV", "usps", "S10 international", 10),
    (" R B 1 2 3 4 5 6 7 8 5 C F ", "usps", "S10 international", 10),
    ("3318810025", "dhl", "DHL Express", -1),
    ("73891051146", "dhl", "DHL Express", -1),
    ("8487135506", "dhl", "DHL Express", -1),
    ("1099255990", "dhl", "DHL Express", -1),
    ("3821724944", "dhl", "DHL Express", -1),
    ("3318810036", "dhl", "DHL Express", -1),
    ("3318810014", "dhl", "DHL Express", -1),
    ("JJD0099999999", "dhl", "DHL Express piece ID", None),
    ("JVGL0999999990", "dhl", "DHL Express piece ID", None),
    ("GM2951173225174494", "dhl", "DHL eCommerce", None),
    ("GM 2 9 5 117 32 25 1 7 44 9 4", "dhl", "DHL eCommerce", None),
    ("GM295117494011169042", "dhl", "DHL eCommerce", None),
    ("GM9E44608A27984866BA2D", "dhl", "DHL eCommerce", None),
    ("60120172242323", "dhl", "DHL eCommerce 14-digit", None),
    ("5108 7693037816", "dhl", "DHL eCommerce 14-digit", None),
    ("60120174971147", "dhl", "DHL eCommerce 14-digit", None),
]

# (number, the format it must not match). Some could match another format by chance, so
# the assertion is per format; NOTHING lists those that must match nothing at all.
INVALID: list[tuple[str, str]] = [
    ("2Z5R89390357567127", "UPS 1Z"),
    ("1A5R89390357567127", "UPS 1Z"),
    ("1Z1111111111111111", "UPS 1Z"),
    ("K1506235622", "UPS waybill"),
    ("K2479825492", "UPS waybill"),
    ("J4603636538", "UPS waybill"),
    ("V0411335627", "UPS waybill"),
    ("V0423305841", "UPS waybill"),
    ("996578788855", "FedEx 12-digit"),
    ("1001901781990001000300617767839438", "FedEx 34-digit"),
    ("32971514560102447849175802852014", "FedEx ASTRA"),
    ("3297151456010244784917580286201", "FedEx ASTRA"),
    ("5682 8361 0012 732", "FedEx Ground"),
    ("000000000000000001", "FedEx SSCC-18"),
    ("9600000000000000000001", "FedEx Ground 96"),
    ("9622001560001234567100794808390595", "FedEx Ground GSN"),
    ("9622001560001234567100794808390597", "FedEx Ground GSN"),
    ("0307 1790 0005 2348 3742", "USPS 20-digit"),
    ("9434611206206407667131", "USPS IMpb"),
    ("9434611306206407667222", "USPS IMpb"),
    ("2334611306206407667222", "USPS IMpb"),
    ("9101 1234 5678 9000 0000 14", "USPS legacy 91"),
    ("7196 9010 7560 0307 7386", "USPS legacy 91"),
    ("61299998820821171811", "USPS IMpb"),
    ("9200000000000000000000", "USPS IMpb"),
    ("420000000000000000000000000000", "USPS IMpb"),
    ("420000009200000000000000000000", "USPS IMpb"),
    ("4201028200009261290113185417468511", "USPS IMpb"),
    ("RB123456786US", "S10 international"),
    ("RB123456785XX", "S10 international"),
    ("3318810010", "DHL Express"),
    ("3318810034", "DHL Express"),
    ("3318810011", "DHL Express"),
    ("XJD0099999998", "DHL Express piece ID"),
    ("GS295117494011169041", "DHL eCommerce"),
    ("GR295117494011169045", "DHL eCommerce"),
    ("AAAAAAAAAAAAAAAAAA", "DHL eCommerce"),
    ("ABCDEFGHILJKLMNOPQ", "DHL eCommerce"),
    ("ABCDEFGHILJKLMNOPQRSTU1234567890", "DHL eCommerce"),
    ("A60120172242323", "DHL eCommerce 14-digit"),
    ("60120172242323B", "DHL eCommerce 14-digit"),
    ("160120172242323", "DHL eCommerce 14-digit"),
    ("6012017224232301", "DHL eCommerce 14-digit"),
    ("601201722X2323", "DHL eCommerce 14-digit"),
]

NOTHING = [
    "1Z1111111111111111",
    "996578788855",
    "9434611206206407667131",
    "9200000000000000000000",
    "420000009200000000000000000000",
    "RB123456785XX",
    "3318810010",
    "ABCDEFGHILJKLMNOPQRSTU1234567890",
    "601201722X2323",
]

ORDER_NUMBERS = ["1001", "#1001", "A-1001", "order 1001", "100234", "#100234", "SO-2024-0042"]
PHONE_NUMBERS = ["+15551234567", "555-123-4567", "(555) 123-4567", "1 555 123 4567"]
DATES = ["2024-01-15", "01/15/2024", "15.01.2024", "2024-01-15T10:30:00", "Jan 15 2024", "20240115"]
WORDS = ["international", "INTERNATIONAL", "in 2 days please", "thanks", "Gmail"]


def _flip(number: str, index: int) -> str:
    digit = int(number[index])
    position = index % len(number)
    return number[:position] + str((digit + 1) % 10) + number[position + 1 :]


@pytest.mark.parametrize(("text", "carrier", "fmt", "check_at"), VALID)
def test_valid_test_numbers_are_detected(
    text: str, carrier: str, fmt: str, check_at: int | None
) -> None:
    assert Match(carrier, compact(text), fmt) in detect(text)


@pytest.mark.parametrize(
    ("text", "fmt", "check_at"), [(t, f, at) for t, _, f, at in VALID if at is not None]
)
def test_a_wrong_check_digit_is_rejected(text: str, fmt: str, check_at: int) -> None:
    flipped = _flip(compact(text), check_at)
    assert fmt not in {match.format for match in detect(flipped)}


@pytest.mark.parametrize(("text", "fmt"), INVALID)
def test_invalid_test_numbers_miss_their_format(text: str, fmt: str) -> None:
    assert fmt not in {match.format for match in detect(text)}


@pytest.mark.parametrize("text", NOTHING)
def test_invalid_test_numbers_match_nothing(text: str) -> None:
    assert detect(text) == []


def test_every_carrier_is_an_adapter_name() -> None:
    found = {match.carrier for text, *_ in VALID for match in detect(text)}
    assert found == set(CARRIERS)


def test_compact_removes_spaces_and_dashes_and_upper_cases() -> None:
    assert compact(" 1z 5r8-939 0357\t567127 ") == "1Z5R89390357567127"
    assert compact("9400\u20131112") == "94001112"  # an en dash pasted from a web page


def test_overlapping_formats_all_match_most_specific_first() -> None:
    # 420 + ZIP+4 + a 22-digit IMpb whose last 13 digits also pass FedEx's 34-digit check.
    both = "4201002334249286579754323194875749"
    assert [m.format for m in detect(both)] == ["USPS IMpb", "FedEx 34-digit"]
    assert carriers_for(both) == ["usps", "fedex"]


def test_sscc_with_its_application_identifier_is_also_a_usps_20() -> None:
    # "00" adds nothing to a mod 10 sum, so every such SSCC passes the USPS 20 check too.
    assert carriers_for("00 000123450000000027") == ["fedex", "usps"]


def test_carriers_for_lists_each_carrier_once() -> None:
    assert carriers_for("1Z5R89390357567127") == ["ups"]
    assert carriers_for("not a number") == []


@pytest.mark.parametrize("text", ORDER_NUMBERS + PHONE_NUMBERS + DATES + WORDS)
def test_everyday_text_is_not_a_tracking_number(text: str) -> None:
    assert detect(text) == []
    assert find_tracking_numbers(text) == []
    assert find_tracking_numbers(f"hi, about {text} - where is it?") == []


def test_phone_grouping_beats_the_dhl_check() -> None:
    # 331-881-0025 passes mod 7 as the DHL number 3318810025; written like a phone it is one.
    assert detect("3318810025") != []
    assert detect("331-881-0025") == []
    assert detect("331 881 0025") == []


def test_finds_numbers_in_a_message() -> None:
    assert find_tracking_numbers("hi my tracking is 1Z5R89390357567127 thx") == [
        Match("ups", "1Z5R89390357567127", "UPS 1Z")
    ]
    assert find_tracking_numbers("9400 1112 0620 6406 2607 87") == [
        Match("usps", "9400111206206406260787", "USPS IMpb")
    ]


def test_finds_several_numbers_once_each_in_order() -> None:
    body = (
        "Order 1001 placed 2024-01-15, call 555-123-4567. Boxes: 9400-1112-0620-6406-2607-87,"
        " 1z5r89390357567127 and 0414 4176 0228 964; again 1Z5R89390357567127"
    )
    assert [(m.carrier, m.number) for m in find_tracking_numbers(body)] == [
        ("usps", "9400111206206406260787"),
        ("ups", "1Z5R89390357567127"),
        ("fedex", "041441760228964"),
    ]


def test_neighbouring_numbers_are_not_glued_on() -> None:
    assert [m.number for m in find_tracking_numbers("986578788855 20240115")] == ["986578788855"]
    assert [m.number for m in find_tracking_numbers("#1001 9400 1112 0620 6406 2607 87")] == [
        "9400111206206406260787"
    ]


def test_every_reading_of_a_number_in_text_comes_back_together() -> None:
    body = "box 1: 4201002334249286579754323194875749, box 2: 1Z5R89390357567127"
    assert [(m.carrier, m.format) for m in find_tracking_numbers(body)] == [
        ("usps", "USPS IMpb"),
        ("fedex", "FedEx 34-digit"),
        ("ups", "UPS 1Z"),
    ]


def test_a_spaced_s10_number_is_found() -> None:
    assert find_tracking_numbers("it says RB 123456785 US on it") == [
        Match("usps", "RB123456785US", "S10 international")
    ]


def test_a_lone_letter_does_not_make_a_waybill() -> None:
    # "K 1506235620" is a valid UPS waybill when it is the whole input to detect(), but in
    # a sentence "a"/"k" is more likely a word.
    assert detect("K 1506235620") != []
    assert find_tracking_numbers("I got a K 1506235620 thing") == []
    assert [m.number for m in find_tracking_numbers("waybill K1506235620")] == ["K1506235620"]


def test_letter_prefixed_dhl_numbers_must_be_one_word_in_text() -> None:
    assert [m.format for m in find_tracking_numbers("dhl: GM2951173225174494")] == ["DHL eCommerce"]
    assert find_tracking_numbers("in 2951173225174494") == []


def test_bare_dhl_express_numbers_only_as_the_whole_message() -> None:
    assert find_tracking_numbers("73891051146") == [Match("dhl", "73891051146", "DHL Express")]
    assert find_tracking_numbers(" 1099255990. ") == [Match("dhl", "1099255990", "DHL Express")]
    assert find_tracking_numbers("my tracking is 73891051146") == []
    # could be a US phone number (area code 331, exchange 881), so not DHL
    assert find_tracking_numbers("3318810025") == []


def test_us_phone_numbers_are_never_dhl() -> None:
    rng = random.Random(1234)
    for _ in range(500):
        digits = f"{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(2, 9)}"
        digits += f"{rng.randint(0, 999999):06d}"
        dashed = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        for text in (
            digits,
            f"1{digits}",
            f"+1{digits}",
            f"call {dashed}",
            f"({digits[:3]}) {dashed[4:]}",
        ):
            assert find_tracking_numbers(text) == [], text


def _random_digits(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(length))


def test_random_digit_strings_rarely_match() -> None:
    rng = random.Random(1234)
    trials = 2000
    for length in range(4, 13):
        numbers = [_random_digits(rng, length) for _ in range(trials)]
        detected = [n for n in numbers if detect(n)]
        in_text = [n for n in numbers if find_tracking_numbers(f"order {n} please")]
        alone = [n for n in numbers if find_tracking_numbers(n)]
        if length < 10:
            assert detected == in_text == alone == []
        elif length < 12:
            # Only DHL Express reads 10-11 bare digits. Its mod 7 check digit is one value
            # out of ten, so about one in ten passes: inherent, hence the rules below.
            assert {c for n in detected for c in carriers_for(n)} == {"dhl"}
            assert 0.06 < len(detected) / trials < 0.13
            assert in_text == []
            # Alone, a number counts only when it cannot be a US phone number.
            assert len(alone) / trials < 0.10
        else:
            # FedEx 12-digit: % 11 % 10 puts about one number in ten on a valid check.
            assert len(detected) / trials < 0.12
            assert len(in_text) <= len(detected)


def test_routing_prefix_is_not_sent_to_the_carrier() -> None:
    [match] = detect("420 78745 9400111206206406260787")
    assert match.number == "420787459400111206206406260787"
    assert match.trackable == "9400111206206406260787"
    [plain] = detect("9400111206206406260787")
    assert plain.trackable == plain.number


# -- FedEx Ground Economy / SmartPost (issue 13, item 17)


@pytest.mark.parametrize(
    ("number", "carriers"),
    [("9261290983420002645435", ["fedex", "usps"]), ("61290983420002645435", ["fedex"])],
    ids=["22-digit with AI 92: FedEx, then USPS", "20-digit printed without the AI"],
)
def test_fedex_ground_economy_is_tried_before_usps(number: str, carriers: list[str]) -> None:
    assert detect(number)[0].format == "FedEx Ground Economy"
    assert carriers_for(number) == carriers


def test_ground_economy_needs_its_check_digit() -> None:
    assert "fedex" not in carriers_for("9261290983420002645436")


def test_other_impb_numbers_stay_usps_only() -> None:
    assert carriers_for("9400109104250532908587") == ["usps"]
    assert carriers_for("9205590199535100000001") == ["usps"]
