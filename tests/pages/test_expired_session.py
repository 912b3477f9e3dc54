"""An expired session returns to the sign-in page and then to where the user was."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _sign_in(client, username, next_url):
    return client.post(reverse("login"), {"username": username, "password": "pw", "next": next_url})


@pytest.fixture
def signed_in(client, people):
    people["handler"].set_password("pw")
    people["handler"].save()
    assert client.login(username="handler", password="pw")
    return client


def test_a_page_opened_after_the_session_expired_comes_back_after_signing_in(signed_in, lead):
    page = reverse("proposals:assignment", args=[lead.pk])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        r = signed_in.get(page)
        assert r.status_code == 302 and r.url == f"{reverse('login')}?next={page}"
        login_page = signed_in.get(r.url).content.decode()
        assert f'name="next" value="{page}"' in login_page
        r = _sign_in(signed_in, "handler", page)
        assert r.status_code == 302 and r.url == page
        assert signed_in.get(page).status_code == 200


def test_a_form_posted_after_the_session_expired_returns_to_its_page(signed_in, lead):
    page = reverse("proposals:assignment", args=[lead.pk])
    action = reverse("proposals:assignment_transition", args=[lead.pk, "accept"])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        r = signed_in.post(action, HTTP_REFERER=f"http://testserver{page}")
        # Back to the sign-in page, and from there to the page the form was on, not to the POST-only action.
        assert r.status_code == 302 and r.url == f"{reverse('login')}?next={page}"
        body = signed_in.get(r.url).content.decode()
        assert "登录已过期，请重新登录" in body
        r = _sign_in(signed_in, "handler", page)
        assert r.url == page
        lead.refresh_from_db()
        assert lead.status == "assigned"  # nothing happened while signed out


def test_a_foreign_referer_is_not_followed(signed_in, lead):
    action = reverse("proposals:assignment_transition", args=[lead.pk, "accept"])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        r = signed_in.post(action, HTTP_REFERER="https://evil.example.com/phish")
        assert r.url == f"{reverse('login')}?next={reverse('home')}"
