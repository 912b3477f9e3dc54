from . import services


def unread_count(request):  # type: ignore[no-untyped-def]
    user = getattr(request, "user", None)
    return {"unread_notifications": services.unread_count(user) if user is not None else 0}
