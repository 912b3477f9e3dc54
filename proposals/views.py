from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


proposal_list = proposal_create = proposal_detail = proposal_edit = proposal_cosign = _todo
proposal_invite = proposal_transition = assignment_list = assignment_detail = assignment_transition = _todo
