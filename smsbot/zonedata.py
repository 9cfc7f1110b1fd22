"""Offline time-zone tables: where a carrier scan happened -> the IANA zone of its wall clock.

Pure data, no logic (the lookup is `smsbot.results.zone_for`). Carriers report most scan
times in the local time of the scan without an offset; these tables give that time a zone
from the scan's state or province, postal code and country. A multi-zone country without a
state (or a state split between zones without a postal code that settles it) resolves to no
zone: such a time stays carrier-local and is shown as given.

Splits follow the IANA zone boundaries at 3-digit ZIP granularity ("ZIP3"): a ZIP3 area
that straddles a zone line takes the zone of most of its addresses.
"""

from __future__ import annotations

#: US states, DC and territories -> the zone of (most of) the state.
US_STATES: dict[str, str] = {
    **dict.fromkeys(
        (
            "CT",
            "DC",
            "DE",
            "FL",
            "GA",
            "KY",
            "MA",
            "MD",
            "ME",
            "NC",
            "NH",
            "NJ",
            "NY",
            "OH",
            "PA",
            "RI",
            "SC",
            "VA",
            "VT",
            "WV",
        ),
        "America/New_York",
    ),
    "MI": "America/Detroit",
    "IN": "America/Indiana/Indianapolis",
    **dict.fromkeys(
        (
            "AL",
            "AR",
            "IA",
            "IL",
            "KS",
            "LA",
            "MN",
            "MO",
            "MS",
            "ND",
            "NE",
            "OK",
            "SD",
            "TN",
            "TX",
            "WI",
        ),
        "America/Chicago",
    ),
    **dict.fromkeys(("CO", "MT", "NM", "UT", "WY"), "America/Denver"),
    "ID": "America/Boise",
    "AZ": "America/Phoenix",  # no daylight saving time
    **dict.fromkeys(("CA", "NV", "OR", "WA"), "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
    # Military mail: the APO/FPO "states" have no one zone.
}

#: ZIP3 prefixes whose zone differs from their state's (US_STATES).
US_ZIP3: dict[str, str] = {
    # Florida's panhandle west of the Apalachicola (Panama City, Pensacola): Central.
    "324": "America/Chicago",
    "325": "America/Chicago",
    # Western Kentucky (Paducah, Bowling Green, Owensboro, Madisonville): Central.
    **dict.fromkeys(("420", "421", "422", "423", "424"), "America/Chicago"),
    # East Tennessee (Chattanooga, Johnson City, Knoxville): Eastern.
    **dict.fromkeys(("373", "374", "376", "377", "378", "379"), "America/New_York"),
    # Indiana's corners near Chicago (Gary) and Evansville: Central.
    **dict.fromkeys(("463", "464", "476", "477"), "America/Chicago"),
    # Michigan's Upper Peninsula counties on the Wisconsin line.
    "498": "America/Menominee",
    "499": "America/Menominee",
    # West Texas (El Paso) and the NM side of its ZIP3: Mountain.
    **dict.fromkeys(("798", "799", "885"), "America/Denver"),
    # Western Nebraska panhandle, south-west North Dakota, western South Dakota: Mountain.
    "693": "America/Denver",
    "586": "America/Denver",
    "577": "America/Denver",
    # Western Kansas' border counties around Goodland.
    "677": "America/Denver",
    # The Idaho panhandle (Lewiston, Coeur d'Alene): Pacific.
    "835": "America/Los_Angeles",
    "838": "America/Los_Angeles",
    # Malheur County, Oregon (Ontario): Mountain.
    "979": "America/Boise",
    # The western Aleutians.
    "995": "America/Anchorage",
}

#: Canadian provinces and territories -> zone (Ontario's north-west and Quebec's far east
#: differ, but carriers' scan facilities sit in the main zone).
CA_PROVINCES: dict[str, str] = {
    "BC": "America/Vancouver",
    "AB": "America/Edmonton",
    "SK": "America/Regina",
    "MB": "America/Winnipeg",
    "ON": "America/Toronto",
    "QC": "America/Toronto",
    "NB": "America/Moncton",
    "NS": "America/Halifax",
    "PE": "America/Halifax",
    "NL": "America/St_Johns",
    "YT": "America/Whitehorse",
    "NT": "America/Edmonton",
    "NU": "America/Iqaluit",
}

#: Australian states and territories -> zone.
AU_STATES: dict[str, str] = {
    "NSW": "Australia/Sydney",
    "ACT": "Australia/Sydney",
    "VIC": "Australia/Melbourne",
    "QLD": "Australia/Brisbane",
    "SA": "Australia/Adelaide",
    "WA": "Australia/Perth",
    "TAS": "Australia/Hobart",
    "NT": "Australia/Darwin",
}

#: Countries (ISO 3166 alpha-2) that keep one zone on the mainland -> that zone. Spain and
#: Portugal have islands in other zones: see POSTAL_PREFIXES.
COUNTRIES: dict[str, str] = {
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "IS": "Atlantic/Reykjavik",
    "PT": "Europe/Lisbon",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam",
    "LU": "Europe/Luxembourg",
    "DE": "Europe/Berlin",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "IT": "Europe/Rome",
    "MT": "Europe/Malta",
    "DK": "Europe/Copenhagen",
    "NO": "Europe/Oslo",
    "SE": "Europe/Stockholm",
    "FI": "Europe/Helsinki",
    "EE": "Europe/Tallinn",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "SI": "Europe/Ljubljana",
    "HR": "Europe/Zagreb",
    "RS": "Europe/Belgrade",
    "BA": "Europe/Sarajevo",
    "RO": "Europe/Bucharest",
    "BG": "Europe/Sofia",
    "GR": "Europe/Athens",
    "CY": "Asia/Nicosia",
    "UA": "Europe/Kyiv",
    "TR": "Europe/Istanbul",
    "IL": "Asia/Jerusalem",
    "JO": "Asia/Amman",
    "LB": "Asia/Beirut",
    "SA": "Asia/Riyadh",
    "AE": "Asia/Dubai",
    "QA": "Asia/Qatar",
    "KW": "Asia/Kuwait",
    "BH": "Asia/Bahrain",
    "OM": "Asia/Muscat",
    "EG": "Africa/Cairo",
    "MA": "Africa/Casablanca",
    "NG": "Africa/Lagos",
    "GH": "Africa/Accra",
    "KE": "Africa/Nairobi",
    "ZA": "Africa/Johannesburg",
    "IN": "Asia/Kolkata",
    "PK": "Asia/Karachi",
    "BD": "Asia/Dhaka",
    "LK": "Asia/Colombo",
    "NP": "Asia/Kathmandu",
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "MO": "Asia/Macau",
    "TW": "Asia/Taipei",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "PH": "Asia/Manila",
    "VN": "Asia/Ho_Chi_Minh",
    "TH": "Asia/Bangkok",
    "KH": "Asia/Phnom_Penh",
    "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore",
    "NZ": "Pacific/Auckland",
    "FJ": "Pacific/Fiji",
    "GT": "America/Guatemala",
    "SV": "America/El_Salvador",
    "HN": "America/Tegucigalpa",
    "NI": "America/Managua",
    "CR": "America/Costa_Rica",
    "PA": "America/Panama",
    "CU": "America/Havana",
    "DO": "America/Santo_Domingo",
    "JM": "America/Jamaica",
    "PR": "America/Puerto_Rico",
    "CO": "America/Bogota",
    "VE": "America/Caracas",
    "PE": "America/Lima",
    "BO": "America/La_Paz",
    "PY": "America/Asuncion",
    "UY": "America/Montevideo",
    "AR": "America/Argentina/Buenos_Aires",
}

#: Postal-code prefixes (after the country code) whose zone differs from the country's.
POSTAL_PREFIXES: dict[str, dict[str, str]] = {
    # The Canary Islands: Las Palmas (35) and Santa Cruz de Tenerife (38).
    "ES": {"35": "Atlantic/Canary", "38": "Atlantic/Canary"},
    # Madeira (9000-9399) and the Azores (9500-9999).
    "PT": {
        **dict.fromkeys(("90", "91", "92", "93"), "Atlantic/Madeira"),
        **dict.fromkeys(("95", "96", "97", "98", "99"), "Atlantic/Azores"),
    },
}

#: How carriers spell countries besides ISO alpha-2 (case-folded) -> alpha-2.
COUNTRY_NAMES: dict[str, str] = {
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "can": "CA",
    "canada": "CA",
    "aus": "AU",
    "australia": "AU",
    "mex": "MX",
    "mexico": "MX",
    "gbr": "GB",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "deu": "DE",
    "germany": "DE",
    "fra": "FR",
    "france": "FR",
    "esp": "ES",
    "spain": "ES",
    "ita": "IT",
    "italy": "IT",
    "nld": "NL",
    "netherlands": "NL",
    "bel": "BE",
    "belgium": "BE",
    "che": "CH",
    "switzerland": "CH",
    "aut": "AT",
    "austria": "AT",
    "irl": "IE",
    "ireland": "IE",
    "pol": "PL",
    "poland": "PL",
    "chn": "CN",
    "china": "CN",
    "hkg": "HK",
    "hong kong": "HK",
    "jpn": "JP",
    "japan": "JP",
    "kor": "KR",
    "korea, republic of": "KR",
    "south korea": "KR",
    "ind": "IN",
    "india": "IN",
    "sgp": "SG",
    "singapore": "SG",
    "nzl": "NZ",
    "new zealand": "NZ",
    "are": "AE",
    "united arab emirates": "AE",
    "bra": "BR",
    "brazil": "BR",
    "rus": "RU",
    "russia": "RU",
}
