from needle.notify.models import Notification
from needle.notify.services import notify


def test_each_person_sees_only_their_notifications_in_their_language(world, client_for):
    world.people["resident"].language = "en"
    world.people["member"].language = "zh-hans"
    from django.utils.translation import gettext as _

    notify(
        recipients=[world.people["resident"], world.people["member"], world.people["resident"]],
        verb="test",
        render=lambda: _("Notifications"),
        link="/me/",
    )
    assert Notification.objects.get(recipient=world.people["resident"]).text == "Notifications"
    assert Notification.objects.get(recipient=world.people["member"]).text != "Notifications"
    page = client_for("resident").get("/notifications/").content.decode()
    assert 'href="/me/"' in page
    assert (
        "Notifications"
        not in client_for("outsider")
        .get("/notifications/")
        .content.decode()
        .split("<main")[1]
        .split("</h1>")[1]
    )
    client_for("resident").post("/notifications/read/")
    assert not Notification.objects.filter(recipient=world.people["resident"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.people["member"], read_at__isnull=True).exists()
