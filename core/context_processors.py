from django.conf import settings

from core import roles


def candor(request):
    user = request.user if hasattr(request, "user") else None
    return {
        "org_name": settings.CANDOR_ORG_NAME,
        "is_hr": bool(user and roles.is_hr(user)),
        # Interviewer, Hiring manager or HR: the hiring menu (an Admin alone has none of it).
        "is_staff_member": bool(user and roles.is_staff_member(user)),
        "is_hiring_manager": bool(user and roles.is_hiring_manager(user)),
    }
