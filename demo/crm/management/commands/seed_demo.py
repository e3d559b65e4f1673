"""``manage.py seed_demo``: an admin login and a few thousand leads, the same on every machine.

Idempotent: the admin account is created once (its password reset to the demo password on every
run, so the printed login always works) and leads are added only when there are none.

``--reset-selzy`` forgets what the Selzy module stored (connection, mapping, messages, campaigns,
imports): ``make demo`` passes it when it starts a fresh emulator, whose memory is empty, so the
site never points at lists and messages that no longer exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from crm.models import Lead

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "selzy-demo"  # noqa: S105 - the demo's published login
DEFAULT_LEADS = 3000
SEED = 20250106

FIRST = (  # noqa: SIM905 - a word list reads better as text
    "Ada Alan Alice Amir Ana Ben Carla Chen Chloe Dan Dara Elena Emil Eva Farah Felix Grace "
    "Hana Hugo Ines Ivan Jana Jonas Kai Kenji Lara Leo Lina Luca Maya Mila Nadia Noah Olga "
    "Omar Paula Priya Rafael Rosa Sam Sara Tariq Tomas Uma Vera Yusuf Zoe"
).split()
LAST = (  # noqa: SIM905 - a word list reads better as text
    "Abbott Bauer Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen "
    "Moreau Novak Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Varga Weber Xu Yilmaz Zeller "
    "Becker Silva Nakamura Olsen Kim Lopez Meyer Nowak Park Rahman Santos Walsh"
).split()
# Companies with domains on .example (reserved: nothing is ever mailed there for real).
COMPANIES = (
    ("Northwind Traders", "northwind.example"),
    ("Contoso Ltd", "contoso.example"),
    ("Fabrikam Inc", "fabrikam.example"),
    ("Tailspin Toys", "tailspin.example"),
    ("Litware", "litware.example"),
    ("Adventure Works", "adventure-works.example"),
    ("Wide World Importers", "wideworld.example"),
    ("Blue Yonder Airlines", "blueyonder.example"),
    ("Coho Winery", "cohowinery.example"),
    ("Alpine Ski House", "alpineskihouse.example"),
    ("Proseware", "proseware.example"),
    ("Lucerne Publishing", "lucernepublishing.example"),
    ("Margie's Travel", "margiestravel.example"),
    ("Trey Research", "treyresearch.example"),
    ("Woodgrove Bank", "woodgrovebank.example"),
)
PERSONAL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
# Rows the import must refuse, so the import page has rejections to show.
MALFORMED = (
    "maria.garcia@@example.com",
    "tom at example.org",
    "sam.lee@example",
    "jo..doe@example.net",
    "alex@exa mple.com",
    "@example.com",
    "kim.park@.example.com",
    "lee@example,com",
)
ROLE = (
    "info@northwind.example",
    "sales@contoso.example",
    "support@fabrikam.example",
    "no-reply@tailspin.example",
    "admin@litware.example",
    "office@proseware.example",
)


def make_leads(count: int, seed: int = SEED) -> list[Lead]:
    """``count`` leads, identical for the same seed: valid addresses with a sprinkling of
    malformed and role addresses, phones in international format, ~90 % consent."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    special = list(MALFORMED + ROLE) if count >= 100 else []
    slots = dict(zip(rng.sample(range(count), len(special)), special, strict=True))
    leads = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company, domain = rng.choice(COMPANIES) if rng.random() < 0.7 else ("", "")
        where = domain or rng.choice(PERSONAL_DOMAINS)
        email = slots.get(i) or f"{first}.{last}.{i}@{where}".lower()
        phone = ""
        if rng.random() < 0.8:
            # Unique numbers (from i) in the ranges reserved for fiction and documentation.
            phone = rng.choice(("+1 555 01{:05d}", "+44 7700 9{:05d}", "+49 30 1{:06d}")).format(i)
        birthday = None
        if rng.random() < 0.85:
            birthday = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(54 * 365))
        leads.append(
            Lead(
                name=f"{first} {last}",
                email=email,
                phone=phone,
                company=company,
                birthday=birthday,
                consent=rng.random() < 0.9,
            )
        )
    return leads


class Command(BaseCommand):
    help = "Create the demo's admin login and seed leads (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, default=DEFAULT_LEADS, help="how many leads")
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--reset-selzy",
            action="store_true",
            help="forget the Selzy module's state (for a freshly started emulator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, password = options["username"], options["password"]
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo-crm.example"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"{'Created' if created else 'Kept'} the admin login {username} / {password}"
        )
        if options["reset_selzy"]:
            self._reset_selzy()
        existing = Lead.objects.count()
        if existing:
            self.stdout.write(f"{existing} leads already there; none added.")
            return
        with transaction.atomic():
            Lead.objects.bulk_create(make_leads(options["leads"]), batch_size=1000)
        consenting = Lead.objects.filter(consent=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {options['leads']} leads ({consenting} consented to email)."
            )
        )

    def _reset_selzy(self) -> None:
        from selzy.contrib.django import models as selzy_models

        with transaction.atomic():
            # Campaigns first: they protect their messages.
            cleared = sum(
                model.objects.all().delete()[0]
                for model in (
                    selzy_models.Campaign,
                    selzy_models.Message,
                    selzy_models.ImportRun,
                    selzy_models.MappedField,
                    selzy_models.Connection,
                )
            )
        if cleared:
            self.stdout.write(
                "The emulator starts empty, so the Selzy module starts over too: connect again."
            )
