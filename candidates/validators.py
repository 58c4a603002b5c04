import zoneinfo

from django.core.exceptions import ValidationError


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Use a name such as Europe/Berlin.",
            params={"value": value},
        )
