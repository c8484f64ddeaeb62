"""Loads the demo: pools, groups, users, mailboxes reading local folders, reference data.

Idempotent: running it again changes nothing that exists and adds what is missing.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from correspondence import permissions
from correspondence.models import (
    Category,
    Department,
    Mailbox,
    MailText,
    PoolMembership,
    PoolPage,
    Question,
    QuickReply,
    ResolutionType,
)
from correspondence.services.pec_trust import pec_trust_import
from intranet.auth import DEMO_GROUP
from intranet.home import home_page_ensure
from intranet.models import IntranetHomePage, UserProfile

DEMO_MAIL = Path(settings.BASE_DIR) / "fixtures" / "demo" / "mail"
DEMO_TRUST_LIST = Path(settings.BASE_DIR) / "fixtures" / "demo" / "pec-trust.pem"
POOLS = [
    # title, code, slug, address, PEC?
    ("Sinistri", "SIN", "sinistri", "sinistri@assicura.example.it", False),
    ("Pagamenti", "PAG", "pagamenti", "pagamenti@assicura.example.it", False),
    ("Reclami", "REC", "reclami", "reclami@pec.assicura.example.it", True),
]
# username, first, last, pools (slug, priority, leader?), extra
USERS: list[tuple[str, str, str, list[tuple[str, int, bool]], dict[str, Any]]] = [
    ("admin", "Anna", "Amministratrice", [], {"is_superuser": True, "is_staff": True}),
    ("editor", "Enrico", "Editor", [], {"is_staff": True, "group": "Editors"}),
    ("manager", "Maria", "Manager", [], {"group": "Managers"}),
    (
        "leader.sinistri",
        "Luca",
        "Leone",
        [("sinistri", 1, True), ("reclami", 2, True)],
        {"language": "it"},
    ),
    (
        "op.sinistri",
        "Ola",
        "Nowak",
        [("sinistri", 1, False), ("reclami", 2, False)],
        {"language": "pl"},
    ),
    (
        "junior.sinistri",
        "Ioana",
        "Popescu",
        [("sinistri", 1, False)],
        {"needs_approval": True, "language": "ro"},
    ),
    ("op.pagamenti", "Paolo", "Pagano", [("pagamenti", 1, False)], {"language": "it"}),
]
# The auto-reply in the four languages; customers get the one they wrote in.
AUTO_REPLIES = {
    "it": (
        "Abbiamo ricevuto il suo messaggio [{case_number}]",
        "Gentile {customer_name},\n\nabbiamo ricevuto il suo messaggio «{subject}» e lo "
        "abbiamo registrato con il numero {case_number}. Le risponderemo entro il {deadline}. "
        "La preghiamo di citare il numero in ogni comunicazione successiva.\n\n"
        "Cordiali saluti\nAssicura S.p.A.",
    ),
    "pl": (
        "Otrzymaliśmy Pana/Pani wiadomość [{case_number}]",
        "Szanowni Państwo,\n\notrzymaliśmy wiadomość „{subject}” i zarejestrowaliśmy ją pod "
        "numerem {case_number}. Odpowiemy do {deadline}. Prosimy podawać ten numer w dalszej "
        "korespondencji.\n\nZ poważaniem\nAssicura S.p.A.",
    ),
    "ro": (
        "Am primit mesajul dumneavoastră [{case_number}]",
        "Stimată doamnă, stimate domn,\n\nam primit mesajul „{subject}” și l-am înregistrat "
        "cu numărul {case_number}. Vă vom răspunde până la {deadline}. Vă rugăm să menționați "
        "acest număr în corespondența ulterioară.\n\nCu stimă\nAssicura S.p.A.",
    ),
    "en": (
        "We have received your message [{case_number}]",
        "Dear {customer_name},\n\nwe have received your message “{subject}” and registered "
        "it as case {case_number}. We will answer by {deadline}. Please quote this number in "
        "any further correspondence.\n\nKind regards\nAssicura S.p.A.",
    ),
}
# title, language, text
QUICK_REPLIES = [
    ("Documenti mancanti", "it", "Per proseguire con la pratica {case_number} ci servono ancora: "),
    (
        "Pratica in lavorazione",
        "it",
        "La pratica {case_number} è in lavorazione; la ricontatteremo entro il {deadline}.",
    ),
    ("Prośba o dokumenty", "pl", "Aby kontynuować sprawę {case_number}, prosimy o przesłanie: "),
    (
        "Solicitare documente",
        "ro",
        "Pentru a continua dosarul {case_number}, vă rugăm să ne trimiteți: ",
    ),
    ("Missing documents", "en", "To go on with case {case_number} we still need: "),
]
# The notice by e-mail to staff, for every pool, in the four languages (kind, language).
STAFF_TEXTS = {
    ("notification", "it"): (
        "[Corrispondenza] {event}",
        "Ciao {operator_name},\n\n{event}\n\n{case_number} · {subject} · {pool}\n{link}",
    ),
    ("notification", "pl"): (
        "[Corrispondenza] {event}",
        "Cześć {operator_name},\n\n{event}\n\n{case_number} · {subject} · {pool}\n{link}",
    ),
    ("notification", "ro"): (
        "[Corrispondenza] {event}",
        "Bună {operator_name},\n\n{event}\n\n{case_number} · {subject} · {pool}\n{link}",
    ),
    ("notification", "en"): (
        "[Corrispondenza] {event}",
        "Hello {operator_name},\n\n{event}\n\n{case_number} · {subject} · {pool}\n{link}",
    ),
    ("consultation", "it"): (
        "Richiesta di parere: {subject}",
        "Gentile {department},\n\nper la pratica {case_number} vi chiediamo:\n\n{question}\n\n"
        "Vi preghiamo di rispondere a questa e-mail.\n\n{operator_name}",
    ),
    ("reminder", "it"): (
        "Sollecito: parere sulla pratica {case_number}",
        "Gentile {department},\n\nattendiamo ancora il vostro parere, chiesto il {sent_at}:"
        "\n\n{question}\n\nGrazie",
    ),
}
# What editors may do in the admin: reference data and every text, published on their own.
EDITOR_PERMISSIONS = (
    r"^(access_admin|(add|change|delete|view|publish|lock|unlock)_"
    r"(mailbox|department|category|question|resolutiontype|mailtext|quickreply))$"
)
# Italian (the name), Polish, Romanian, English
RESOLUTIONS = [
    ("Risposta inviata", "Odpowiedź wysłana", "Răspuns trimis", "Answer sent"),
    ("Respinta", "Odrzucona", "Respinsă", "Refused"),
    ("Duplicato", "Duplikat", "Duplicat", "Duplicate"),
    (
        "Inoltrata ad altro ufficio",
        "Przekazana do innego działu",
        "Transmisă altui birou",
        "Passed to another office",
    ),
]
MANAGER_PERMS = [permissions.VIEW, permissions.EXPORT]


class Command(BaseCommand):
    help = "Loads the demo data (idempotent). Refused where demo users are not allowed."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "CORRISPONDENZA_ALLOW_DEMO", False):
            raise CommandError("These settings do not allow demo users (production?).")
        password = os.environ.get("DEMO_PASSWORD", "demo")
        with transaction.atomic():
            home = home_page_ensure()
            pools = {
                slug: self.pool(home, title, code, slug, address)
                for title, code, slug, address, _pec in POOLS
            }
            self.groups(pools)
            self.users(pools, password)
            self.reference_data()
            for (kind, language), (subject, body) in STAFF_TEXTS.items():
                MailText.objects.get_or_create(
                    kind=kind,
                    pool=None,
                    mailbox=None,
                    language=language,
                    defaults={"subject": subject, "body": body, "live": True},
                )
            # The demo's PEC provider (its certificate made for the demo, keys discarded):
            # the signed envelope in reclami/ shows as certified, the others as unverified.
            pec_trust_import(data=DEMO_TRUST_LIST.read_bytes(), source="demo")
        for title, _code, slug, address, pec in POOLS:
            self.mailbox(pools[slug], title, slug, address, pec)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def pool(
        self, home: IntranetHomePage, title: str, code: str, slug: str, address: str
    ) -> PoolPage:
        pool = PoolPage.objects.filter(code=code).first()
        if pool is None:
            pool = home.add_child(
                instance=PoolPage(
                    title=title,
                    slug=slug,
                    code=code,
                    addresses=address,
                )
            )
        for language, (subject, body) in AUTO_REPLIES.items():
            MailText.objects.get_or_create(
                kind=MailText.Kind.AUTO_REPLY,
                pool=pool,
                mailbox=None,
                language=language,
                defaults={"subject": subject, "body": body, "live": True},
            )
        return pool

    def groups(self, pools: dict[str, PoolPage]) -> None:
        for pool in pools.values():
            permissions.pool_teams_grant(pool=pool, name=pool.title)
            managers, _ = Group.objects.get_or_create(name="Managers")
            for perm in MANAGER_PERMS:
                permissions.pool_permission_grant(group=managers, perm=perm, pool=pool)
        editors, _ = Group.objects.get_or_create(name="Editors")
        editors.permissions.add(
            *Permission.objects.filter(
                content_type__app_label__in=["correspondence", "wagtailadmin"],
                codename__regex=EDITOR_PERMISSIONS,
            )
        )

    def users(self, pools: dict[str, PoolPage], password: str) -> None:
        for username, first, last, memberships, extra in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username,
                    email=f"{username}@assicura.example.it",
                    password=password,
                    first_name=first,
                    last_name=last,
                    is_superuser=extra.get("is_superuser", False),
                    is_staff=extra.get("is_staff", False),
                )
            user.groups.add(Group.objects.get_or_create(name=DEMO_GROUP)[0])
            UserProfile.objects.get_or_create(
                user=user,
                defaults={
                    "needs_approval": extra.get("needs_approval", False),
                    "language": extra.get("language", ""),
                    "signature": f"<p><b>{first} {last}</b><br/>Assicura S.p.A.</p>",
                },
            )
            if "group" in extra:
                user.groups.add(Group.objects.get(name=extra["group"]))
            for slug, priority, leader in memberships:
                pool = pools[slug]
                PoolMembership.objects.get_or_create(
                    user=user, pool=pool, defaults={"priority": priority}
                )
                role = "team leaders" if leader else "operators"
                user.groups.add(Group.objects.get(name=f"{pool.title} {role}"))

    def reference_data(self) -> None:
        for title, language, text in QUICK_REPLIES:
            QuickReply.objects.get_or_create(
                title=title, defaults={"text": text, "language": language}
            )
        sinistri = PoolPage.objects.get(code="SIN")
        category, created = Category.objects.get_or_create(
            name="RC Auto",
            pool=sinistri,
            defaults={
                "name_pl": "OC komunikacyjne",
                "name_ro": "RCA",
                "name_en": "Motor liability",
            },
        )
        if created:
            Question.objects.create(
                category=category,
                key="targa",
                label="Targa del veicolo",
                label_pl="Numer rejestracyjny pojazdu",
                label_ro="Numărul de înmatriculare",
                label_en="Number plate",
                required=True,
                sort_order=0,
            )
            Question.objects.create(
                category=category,
                key="cliente_partner",
                label="Il cliente è un partner?",
                label_pl="Czy klient jest partnerem?",
                label_ro="Clientul este partener?",
                label_en="Is the customer a partner?",
                kind=Question.Kind.YES_NO,
                sort_order=1,
            )
        for it, pl, ro, en in RESOLUTIONS:
            ResolutionType.objects.get_or_create(
                name=it, defaults={"name_it": it, "name_pl": pl, "name_ro": ro, "name_en": en}
            )
        for name, emails, days in (
            ("Ufficio legale", "legale@assicura.example.it", 3),
            ("Liquidazione danni", "liquidazione@assicura.example.it", 5),
            ("Contabilità", "contabilita@assicura.example.it", 2),
        ):
            Department.objects.get_or_create(
                name=name, defaults={"emails": emails, "response_time": days}
            )

    def mailbox(self, pool: PoolPage, title: str, slug: str, address: str, pec: bool) -> None:
        if Mailbox.objects.filter(slug=slug).exists():
            return
        folder = Path(settings.DATA_DIR) / "demo-mail" / slug
        folder.mkdir(parents=True, exist_ok=True)
        Mailbox.objects.create(
            name=f"{title} (demo)",
            slug=slug,
            pool=pool,
            address=address,
            kind=Mailbox.Kind.PEC if pec else Mailbox.Kind.ORDINARY,
            protocol=Mailbox.Protocol.DIRECTORY,
            directory=str(folder),
            start_from=Mailbox.StartFrom.ALL,
        )
        # Only when the mailbox is first made, so a second seeding never re-delivers mail.
        for source in sorted((DEMO_MAIL / slug).glob("*.eml")):
            shutil.copy(source, folder / source.name)
