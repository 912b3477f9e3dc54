"""The notifications inbox: list, mark one read, mark all read."""

import pytest
from django.urls import reverse

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_it_lists_the_users_notifications_with_links(client, people, submitted):
    client.force_login(people["committee"])  # the submission notified the committee
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert "提案《食堂晚餐供应时间延长》已提交，待审查" in body
    assert f'href="{reverse("proposals:detail", args=[submitted.pk])}"' in body
    assert "1 条未读" in body


def test_it_marks_one_read(client, people, submitted):
    n = Notification.objects.get(recipient=people["committee"])
    client.force_login(people["committee"])
    r = client.post(reverse("notifications:read", args=[n.pk]), {"next": reverse("notifications:inbox")})
    assert r.status_code == 302
    assert r.url == reverse("notifications:inbox")
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'class="badge"' not in client.get(reverse("notifications:inbox")).content.decode()


def test_it_marks_all_read(client, people):
    alice = people["alice"]
    Notification.objects.bulk_create(Notification(recipient=alice, event="x", title=f"通知{i}") for i in range(3))
    Notification.objects.create(recipient=people["bob"], event="x", title="给鲍勃")
    client.force_login(alice)
    r = client.post(reverse("notifications:read_all"))
    assert r.status_code == 302
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people["bob"], read_at__isnull=True).exists()
    assert "已将 3 条通知标为已读。" in client.get(r.url).content.decode()


def test_someone_elses_notification_is_a_404(client, people):
    n = Notification.objects.create(recipient=people["bob"], event="x", title="给鲍勃")
    client.force_login(people["alice"])
    r = client.post(reverse("notifications:read", args=[n.pk]))
    assert r.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    assert "给鲍勃" not in client.get(reverse("notifications:inbox")).content.decode()


def test_it_refuses_an_off_site_next(client, people):
    n = Notification.objects.create(recipient=people["alice"], event="x", title="通知")
    client.force_login(people["alice"])
    r = client.post(reverse("notifications:read", args=[n.pk]), {"next": "https://evil.example.com/"})
    assert r.url == reverse("notifications:inbox")


def test_marking_read_needs_a_post(client, people):
    n = Notification.objects.create(recipient=people["alice"], event="x", title="通知")
    client.force_login(people["alice"])
    assert client.get(reverse("notifications:read", args=[n.pk])).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None
