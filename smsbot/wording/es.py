"""Spanish: every sentence smsbot says, as data. Merchants may edit it; keep it GSM-7."""

from __future__ import annotations

from smsbot.tracking import DelayReason, Status
from smsbot.view.step import NextStep
from smsbot.wording.table import Language

SPANISH = Language(
    code="es",
    replies={
        "order": "Pedido {order}: {body}",
        "order_return": "Pedido {order}: {body}",
        "tracking": "Seguimiento {number}: {body}",
        "order_many": "Pedido {order}, {count} paquetes: {items}",
        "item": "{n}) {carrier}: {phrase}.",
        "item_return": "{n}) Tu devolucion ({carrier}): {phrase}.",
        "more": "Responde MORE para ver el resto.",
        "in_transit": "{status} con {carrier}{eta}.",
        "out_for_delivery": "{status} con {carrier} {when}.",
        "delivered": "{status} {when}{where}.",
        "delivered_undated": "{status}{where}.",
        "pickup": "{status} ({carrier}){at}.",
        "attempted": "{status} de {carrier}.",
        "attempted_next": "Nuevo intento {when}.",
        "attempted_hint": "Revisa el aviso que te dejaron o contacta a {carrier} para reprogramar.",
        "label_created": "{status}, pendiente de que {carrier} lo recoja.",
        "pending": "{carrier} no tiene datos de seguimiento por ahora.",
        "not_found": "{carrier} no tiene datos de seguimiento por ahora.",
        "invalid_number": "{carrier} no reconoce este paquete.",
        "returning": "{status} con {carrier}. Responde AYUDA si no lo esperabas.",
        "exception": "{status} ({carrier}){near}.",
        "exception_hint": "Contacta a {carrier} o responde AYUDA.",
        "carrier_says": "{carrier} dice: {text}.",
        "unknown_blank": "{carrier} no da novedades claras por ahora.",
        "delayed": "retrasado por {reason}{near}.",
        "new_eta": "Ahora llega {when}.",
        "sorry": "Lo sentimos.",
        "failed": "{carrier} no responde en este momento y no podemos ver su estado. "
        "Vuelve a intentarlo en unos minutos.",
        "failed_stale": "{carrier} no responde en este momento. Estado de {age}: {phrase}.",
        "failed_stale_no_age": "{carrier} no responde en este momento. Estado anterior: {phrase}.",
        "no_adapter": "por ahora no podemos rastrear este transportista.",
        "c_status_when": "{status} {when}",
        "c_delayed": "retrasado por {reason}{eta}",
        "c_failed": "no responde ahora, prueba en unos minutos",
        "c_stale": "no responde ahora; estado de {age}: {phrase}",
        "c_stale_no_age": "no responde ahora; estado anterior: {phrase}",
        "c_no_adapter": "no podemos rastrearlo por ahora",
        "c_invalid": "paquete no reconocido",
        "eta": ", llega {when}",
        "eta_estimated": ", llegada estimada {when}",
        "eta_past": ", se esperaba {when}",
        "eta_short": ", llega {when}",
        "eta_short_estimated": ", llegada estimada {when}",
        "new_eta_short": ", ahora llega {when}",
        "next_try_short": ", nuevo intento {when}",
        "near": " cerca de {place}",
        "at": " en {place}",
        "where": " ({place})",
        "today": "hoy",
        "tomorrow": "mañana",
        "on_day": "el {day}",
        "day_time": "{day}, {time}",
        "window": "{day}, {start}-{end}",
        "window_from": "{day}, desde las {start}",
        "window_until": "{day}, antes de las {end}",
        "range": "entre el {first} y el {last}",
        "by": "como tarde {day}",
        "day": "{weekday} {d} {month}",
        "day_year": "{weekday} {d} {month} {year}",
        "time": "{h24}:{mm}",
        "am": "a. m.",
        "pm": "p. m.",
        "age_minutes": "hace {n} min",
        "age_hours": "hace {n} h",
        "age_day": "hace 1 d",  # "días" would force UCS-2 (70-character segments)
        "age_days": "hace {n} d",
        "or": "{rest} o {last}",
        "order_not_found": "No encontramos el pedido {order} con tus datos. "
        "Compruébalo o responde AYUDA.",
        "no_shipments": "El pedido {order} no ha salido por ahora. "
        "Consulta de nuevo pronto o responde AYUDA.",
        "ask_order_number": "Escribe tu pedido{example} y lo buscamos.",
        "tracking_unknown": "No sabemos de qué transportista es {number}. "
        "Compruébalo o escribe tu pedido (por ejemplo 1001).",
        "ask_carrier": "¿De qué transportista es {number}: {carriers}? Responde con el nombre.",
        "ask_carrier_any": "¿De qué transportista es {number}? Responde con el nombre.",
        "help": "{brand}: escribe tu pedido{example} o el seguimiento de tu paquete "
        "para ver su estado. Ayuda: {contact}. Responde STOP para darte de baja.",
        "usage_hint": "Escribe tu pedido{example} para ver su estado.",
        "opted_out": "Te diste de baja: no te escribiremos de nuevo. Responde START para volver.",
        "opted_in": "Vuelves a estar suscrito. Escribe tu pedido cuando quieras.",
        "rate_limited": "Has enviado muchos mensajes. Espera unos minutos y vuelve a intentarlo.",
        "unavailable": "Lo sentimos, algo ha fallado de nuestro lado. "
        "Vuelve a intentarlo en unos minutos.",
        # "C.P." for "código postal", whose ó would force UCS-2 (70-character segments)
        "ask_postal_code": "Para proteger tus datos, responde con el C.P. de entrega "
        "del pedido {order}.",
        "wrong_postal_code": "Eso no coincide con el pedido {order}. Responde con su C.P. "
        "de entrega. Intentos restantes: {left}.",
        "locked_out": "Demasiados intentos fallidos. Por seguridad, pausamos las consultas "
        "desde este teléfono durante {minutes} min. Responde AYUDA para soporte.",
        "lookup_limited": "Has hecho muchas consultas. Vuelve a intentarlo en una hora.",
        "menu": "Tienes {count} pedidos en curso. Responde {choices}.",
        "menu_item": "{n} para el #{order}",
        "menu_item_many": "{n} para el #{order} ({packages} paquetes)",
        "menu_join": ", ",
        "history": "Pedido {order}, novedades: {items}",
        "history_package": "{n}) {carrier}: {events}",
        "history_event": "{when}, {place}: {text}.",
        "history_event_noplace": "{when}: {text}.",
        "history_when": "{day} {time}",
        "history_none": "{phrase}.",
        "more_without_order": "Primero escribe tu pedido{example} y luego MORE "
        "para ver sus novedades.",
        "escalated": "Gracias. Una persona de {brand} te va a escribir pronto.",
        "escalation_unavailable": "Para hablar con una persona, contacta a {contact}.",
        "escalation_pending": "Ya pasamos tu mensaje al equipo de {brand}. "
        "Te van a escribir pronto.",
        # pedidos que llegan en vivo (issue 16)
        "order_cancelled": "El pedido {order} fue cancelado y no se va a enviar. "
        "¿Dudas? Responde AYUDA.",
        # the tracking link, appended to a text about an order (issue 17)
        "link": " Detalles: {url}",
        # the optional CSAT survey after delivery (issue 18)
        "csat_question": "El pedido {order} fue entregado. ¿Qué tal lo hicimos? Responde del "
        "1 al 5 (5 = excelente).",
        "csat_thanks": "¡Gracias por tu respuesta!",
        "csat_thanks_low": "Gracias por contarnos. Lamentamos que no fuera mejor: responde "
        "AGENTE para hablar con una persona.",
        # a conversation with no dead ends (issue 14)
        "example": " (por ejemplo {number})",
        "return_leg": "Tu devolucion ({carrier}): {phrase}.",
        "r_label_created": "etiqueta creada, aun sin entregar al transportista",
        "r_in_transit": "en camino de vuelta a nosotros",
        "r_delivered": "ya la recibimos",
        "menu_more": "Tienes {count} pedidos en curso. Responde {choices}. Responde MORE para "
        "ver el resto.",
        "menu_not_listed": "{choice} no esta en la lista. Responde un numero del 1 al {last}, "
        "o escribe tu pedido.",
        "order_return_unanswered": "Pedido {order}, tu devolucion: {body}",
        # ventanas aprendidas, dichas como estimación (issue 19)
        "usual": ", suele llegar {when} (estimado)",
        "usual_beside": " (suele llegar {when}, estimado)",
        "usual_sentence": " Suele llegar {when} (estimado).",
        "c_usual": ", suele llegar {when} (est.)",
        # "días hábiles" would force UCS-2: "d. lab." as in "hace 1 d"
        "busy": " Muchos pedidos: sale en {days} d. laborables.",
        "busy_one": " Muchos pedidos: sale en 1 d. laborable.",
        "no_shipments_usual": "El pedido {order} no ha salido por ahora.{busy}{usual} "
        "Vuelve a consultar pronto o responde AYUDA.",
        "checkout": "Pide hoy y llega {when}",
    },
    notices={
        "shipped": "Pedido {order}: enviado con {carrier}{eta}. "
        "Escribe {order} para ver novedades.",
        "out_for_delivery": "Pedido {order}: en reparto con {carrier} {when}.",
        "pickup": "Pedido {order}: listo para recoger ({carrier}){at}.",
        "delayed": "Pedido {order}: retrasado por {reason}{near}.{eta} {action}",
        "problem": "Pedido {order}: problema con la entrega ({carrier}){near}. {action}",
        "attempted": "Pedido {order}: {carrier} no pudo entregarlo. {action}",
        "returning": "Pedido {order}: {carrier} nos lo devuelve. "
        "Responde AYUDA si no lo esperabas.",
        "stalled": "Pedido {order}: lo sentimos, {carrier} no da novedades desde el {day}"
        "{reason}.{near} Lo vigilamos.{credit}",
        "delivered": "Pedido {order}: entregado por {carrier} {when}{where}.",
        "checkin": "Pedido {order}: {carrier} lo da por entregado el {day}. Si no lo "
        "encuentras, responde AGENT y te ayudamos.",
        "also": "Otro paquete ({carrier}): {phrase}.",
        "eta": ", llega {when}",
        "eta_estimated": ", llegada estimada {when}",
        "new_eta": " Ahora llega {when}.",
        "near": " cerca de {place}",
        "at": " en {place}",
        "where": " ({place})",
        "last_seen": " Estaba cerca de {place}.",
        "stall_reason": " ({reason})",
        "credit": " Usa {code} para {offer}.",
        "credit_plain": " Usa {code} en tu siguiente pedido.",
        "carrier_says": "{carrier} dice: {text}.",
        "contact": "Contacta a {carrier} o responde AYUDA.",
        "c_shipped": "enviado{eta}",
        "c_eta": ", llega {when}",
        "c_out_for_delivery": "en reparto hoy",
        "c_pickup": "listo para recoger",
        "c_delayed": "retrasado por {reason}",
        "c_problem": "problema con la entrega",
        "c_stalled": "sin novedades desde el {day}",
        "c_delivered": "entregado{where}",
        "return_shipped": "Pedido {order}: el paquete que nos devuelves va en camino con "
        "{carrier}. Te escribimos cuando llegue.",
        "return_stalled": "Pedido {order}: el paquete que nos devuelves no tiene "
        "novedades de {carrier} desde el {day}. Lo estamos vigilando.",
        "return_received": "Pedido {order}: recibimos el paquete que nos devolviste. ¡Gracias!",
        "c_return_shipped": "el paquete devuelto va en camino",
        "c_return_stalled": "el paquete devuelto sin novedades desde el {day}",
        "c_return_received": "recibimos el paquete devuelto",
        # ventanas aprendidas, dichas como estimación (issue 19)
        "usual": ", suele llegar {when} (estimado)",
        "usual_beside": " (suele llegar {when}, estimado)",
        "c_usual": ", suele llegar {when}",
    },
    statuses={  # lower case: Spanish phrases always follow a colon
        Status.PENDING: "sin datos de seguimiento por ahora",
        Status.LABEL_CREATED: "etiqueta creada",
        Status.IN_TRANSIT: "en camino",
        Status.OUT_FOR_DELIVERY: "en reparto",
        Status.AVAILABLE_FOR_PICKUP: "listo para recoger",
        Status.DELIVERY_ATTEMPTED: "intento de entrega",
        Status.DELIVERED: "entregado",
        Status.EXCEPTION: "problema con la entrega",
        Status.RETURNING: "de vuelta al remitente",
        Status.UNKNOWN: "sin novedades claras por ahora",
    },
    delays={
        DelayReason.WEATHER: "mal tiempo",
        DelayReason.CUSTOMS: "un control de aduana",
        DelayReason.ADDRESS: "un problema con el domicilio",
        DelayReason.RECIPIENT_UNAVAILABLE: "no encontrar a nadie para recibirlo",
        DelayReason.REFUSED: "haber sido rechazado",
        DelayReason.DAMAGED: "daños en el paquete",
        DelayReason.LOST: "haberse perdido su rastro",
        DelayReason.HELD_FOR_PAYMENT: "impuestos o tasas sin pagar",
        DelayReason.CARRIER_DELAY: "un retraso del transportista",
        DelayReason.HOLIDAY: "un feriado",
        DelayReason.SECURITY: "un control de seguridad",
        DelayReason.OTHER: "un problema",
    },
    steps={
        NextStep.FIX_ADDRESS: "Contacta a {carrier} para corregir el domicilio.",
        NextStep.PAY_FEES: "Paga las tasas a {carrier} para liberarlo.",
        NextStep.ARRANGE_DELIVERY: "Contacta a {carrier} para reprogramar o recogerlo.",
    },
    weekdays=("lun", "mar", "mié", "jue", "vie", "sab", "dom"),  # "sáb" would force UCS-2
    months=("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
)
