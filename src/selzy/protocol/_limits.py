"""Numbers and vocabularies of the Selzy API that both the client and the emulator obey.

Each constant names the REFERENCE.md section it comes from; the confidence of the fact is noted
where it is below "read on an official page".
"""

from __future__ import annotations

import re
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.selzy.com"
DEFAULT_LANG: Final = "en"
#: Languages documented for the `/{lang}/api/` segment (§1.1); `pt` is seen in Selzy's plugin.
KNOWN_LANGS: Final = frozenset({"en", "ru", "ua", "pt", "it"})

#: §7: "the name of your system in Latin letters without spaces and special characters".
PLATFORM_PATTERN: Final = re.compile(r"[A-Za-z0-9]{1,64}")

#: §3: importContacts takes at most 500 rows per call.
MAX_IMPORT_ROWS: Final = 500
#: §3: technical cap on user fields per account.
MAX_USER_FIELDS: Final = 50
#: Guidelines ("The maximum attachment size is 500 Kb"); applied to each attachment.
MAX_ATTACHMENT_BYTES: Final = 500 * 1024
#: §5.4: createEmailMessage message size (body plus attachments).
MAX_MESSAGE_BYTES: Final = 8 * 1024 * 1024
#: §5.4: sendEmail message size.
MAX_SEND_EMAIL_BYTES: Final = 1024 * 1024
#: §5.6: createCampaign start_time at most 100 days ahead.
MAX_SCHEDULE_DAYS: Final = 100
#: §5.6: the same message cannot be sent twice within one hour.
SAME_MESSAGE_INTERVAL_SECONDS: Final = 3600
#: §5.4 sendTestEmail: UNCONFIRMED cap, the emulator's documented choice.
MAX_TEST_EMAIL_RECIPIENTS: Final = 10
#: §5.4: sendSms numbers per call, checkEmail ids per call, SMS text length.
MAX_SMS_PHONES: Final = 150
MAX_CHECK_EMAIL_IDS: Final = 500
MAX_SMS_TEXT_CHARS: Final = 1000
#: §5.2: tags per contact.
MAX_TAGS_PER_CONTACT: Final = 10

#: §3: every method, per API key and per source IP.
CALLS_PER_MINUTE: Final = 1200
RATE_WINDOW_SECONDS: Final = 60.0

#: §5.3: user field types.
FIELD_TYPES: Final = ("string", "text", "number", "date", "bool")
#: §5.3: user field names: Latin letters, digits and `_`, starting with a letter.
FIELD_NAME_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: §5.2 importContacts: column names with a fixed meaning (never user fields).
SYSTEM_FIELD_NAMES: Final = frozenset(
    {
        "email",
        "phone",
        "delete",
        "tags",
        "email_status",
        "email_availability",
        "email_list_ids",
        "email_subscribe_times",
        "email_unsubscribed_list_ids",
        "email_excluded_list_ids",
        "email_add_time",
        "email_confirm_time",
        "email_request_ip",
        "email_confirm_ip",
        "phone_status",
        "phone_availability",
        "phone_list_ids",
        "phone_subscribe_times",
        "phone_unsubscribed_list_ids",
        "phone_excluded_list_ids",
        "phone_add_time",
    }
)

#: §4: contact-level email statuses.
EMAIL_STATUSES: Final = (
    "new",
    "invited",
    "active",
    "inactive",
    "unsubscribed",
    "blocked",
    "activation_requested",
)
#: §4: campaign statuses (note the API's spelling `canceled`).
CAMPAIGN_STATUSES: Final = (
    "waits_censor",
    "censor_hold",
    "declined",
    "waits_schedule",
    "scheduled",
    "in_progress",
    "analysed",
    "completed",
    "stopped",
    "canceled",
)
#: Campaign statuses after which nothing changes any more.
FINAL_CAMPAIGN_STATUSES: Final = frozenset({"declined", "completed", "stopped", "canceled"})

#: §4: output timestamps; createCampaign start_time has no seconds.
DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
START_TIME_FORMAT: Final = "%Y-%m-%d %H:%M"
DATE_FORMAT: Final = "%Y-%m-%d"
