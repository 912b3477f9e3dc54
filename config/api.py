def exception_handler(exc, context):  # placeholder
    from rest_framework.views import exception_handler as h
    return h(exc, context)
