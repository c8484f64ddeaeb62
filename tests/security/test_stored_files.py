"""Issue 11, hole 1 and 4: no part of a sender's mail runs, and no stored file has a
public URL. A hostile multipart/related message goes through the real intake."""

import re

from django.contrib.auth.models import User
from django.test import Client

from correspondence.models import Attachment, CasePage

RASTER = {"foto.png": "image/png"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_part_but_a_verified_raster_image_is_a_sandboxed_download(
    hostile_case: CasePage, operator: User
) -> None:
    client = _client(operator)
    parts = Attachment.objects.filter(message__case=hostile_case)
    assert sorted(a.filename for a in parts) == [
        "disegno.svg",
        "finto.png",
        "foto.png",
        "pagina.html",
    ]
    for part in parts:
        response = client.get(f"/attachments/{part.pk}/")
        assert response.status_code == 200, part.filename
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        if part.filename in RASTER:
            assert response["Content-Type"] == RASTER[part.filename]
            assert response["Content-Disposition"].startswith("inline")
        else:
            # The SVG, the HTML page and the "PNG" that is an SVG: never the sender's type.
            assert response["Content-Type"] == "application/octet-stream", part.filename
            assert response["Content-Disposition"].startswith("attachment"), part.filename


def test_the_body_shows_no_remote_image_until_asked_and_no_unsafe_style_or_link(
    hostile_case: CasePage, operator: User
) -> None:
    client = _client(operator)
    page = client.get(hostile_case.url).content.decode()
    body = page[page.index('class="body html"') :]
    assert "tracker.attacker.example" not in page
    assert "expression(" not in page and "javascript:" not in page
    stored = hostile_case.messages.first().html
    assert "expression(" not in stored and "url(" not in stored and "color:red" in stored
    assert "url(" not in body.split("</div>")[0]
    foto = Attachment.objects.get(message__case=hostile_case, filename="foto.png")
    assert f'src="/attachments/{foto.pk}/"' in body  # cid: images come from our own view
    link = re.search(r'href="\?images=(\d+)#message-\d+"', page)
    assert link, "a 'show remote images' link for the message"

    asked = client.get(hostile_case.url + "?images=" + link.group(1))
    html = asked.content.decode()
    assert "https://tracker.attacker.example/pixel.gif" in html
    assert "https:" in asked["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    plain = client.get(hostile_case.url)
    img_src = plain["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    assert "https:" not in img_src and "http:" not in img_src


def test_media_answers_no_stored_file(hostile_case: CasePage, operator: User) -> None:
    from django.conf import settings

    client = _client(operator)
    names = [a.file.name for a in Attachment.objects.filter(message__case=hostile_case)]
    names.append(hostile_case.messages.first().raw.name)
    for name in names:
        for who in (client, Client()):
            response = who.get(settings.MEDIA_URL + name, follow=True)
            assert response.status_code == 404, name
            assert b"attacker" not in response.content


def test_no_settings_module_routes_media(settings: object) -> None:
    """The dev settings (DEBUG on) used to add a static route for MEDIA_ROOT."""
    import importlib

    import intranet.urls

    settings.DEBUG = True  # type: ignore[attr-defined]
    try:
        urls = importlib.reload(intranet.urls)
        assert not any("media" in str(p.pattern) for p in urls.urlpatterns)
    finally:
        settings.DEBUG = False  # type: ignore[attr-defined]
        importlib.reload(intranet.urls)


def test_files_can_be_served_from_an_origin_of_their_own(
    hostile_case: CasePage, operator: User, settings: object
) -> None:
    settings.CORRISPONDENZA_FILES_ORIGIN = "https://files.corrispondenza.example"  # type: ignore[attr-defined]
    page = _client(operator).get(hostile_case.url).content.decode()
    foto = Attachment.objects.get(message__case=hostile_case, filename="foto.png")
    url = f"https://files.corrispondenza.example/attachments/{foto.pk}/"
    assert f'src="{url}"' in page and f'href="{url}"' in page


def test_a_quarantined_message_is_a_download_for_the_quarantines_readers_only(
    folder_mailbox: object, operator: User, editor: User
) -> None:
    from django.contrib.auth.models import Permission

    from correspondence.intake.ingest import message_ingest
    from correspondence.models import QuarantinedMessage

    message_ingest(mailbox=folder_mailbox, raw=b"\x00" * 10)  # type: ignore[arg-type]
    item = QuarantinedMessage.objects.get()
    url = f"/admin/quarantine/{item.pk}/raw/"
    root = User.objects.create_superuser("root", password="pw")
    listing = _client(root).get("/admin/snippets/correspondence/quarantinedmessage/")
    assert url in listing.content.decode()
    inspect = _client(root).get(
        f"/admin/snippets/correspondence/quarantinedmessage/inspect/{item.pk}/"
    )
    assert "/media/" not in inspect.content.decode()
    response = _client(root).get(url)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"\x00" * 10
    assert _client(operator).get(url).status_code in {302, 403}
    assert _client(editor).get(url).status_code in {302, 403}  # the admin redirects a refusal
    editor.user_permissions.add(Permission.objects.get(codename="view_quarantinedmessage"))
    assert _client(User.objects.get(pk=editor.pk)).get(url).status_code == 200
