"""Demo complaints: our clients writing in Portuguese, Spanish, Russian and English (idempotent)."""

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from complaints.intake.survey import issue_link
from complaints.models import Category, Compensation, Complaint, Contact, Playbook, Rating
from core import audit
from core.database import utcnow
from core.demo import DemoContext
from core.extensions import db
from core.models import Client

PLAYBOOKS = [
    (
        "Late delivery",
        "Late delivery: apologise and make it right",
        [
            "Apologise personally",
            "Check the courier's tracking",
            "Offer a discount on the next order",
            "Call back after the next delivery",
        ],
        Decimal("10.00"),
        8,
    ),
    (
        "Billing error",
        "Charged wrongly: refund the same day",
        ["Confirm the double charge in billing", "Refund at once", "Send the refund receipt"],
        Decimal("0"),
        4,
    ),
    (
        "Rude staff",
        "Rude treatment: listen, apologise, follow up",
        [
            "Listen to the whole story without interrupting",
            "Apologise for the team",
            "Talk to the staff member",
            "Tell the client what changed",
        ],
        Decimal("20.00"),
        24,
    ),
    (
        "Damaged item",
        "Damaged item: replace first, ask later",
        [
            "Ask for a photo only if the client offers one",
            "Ship a replacement",
            "Collect the damaged item",
        ],
        Decimal("30.00"),
        12,
    ),
]

# (external id, name, language, summary, details, category, channel, score)
STORIES = [
    (
        "demo-001",
        "Ana Beatriz Costa",
        "pt",
        "Entrega atrasou três dias",
        "O pedido chegou três dias depois do prometido e ninguém avisou.",
        "Late delivery",
        "survey",
        1,
    ),
    (
        "demo-002",
        "João Pereira",
        "pt",
        "Cobrança em duplicidade no cartão",
        "Vi duas cobranças iguais na fatura deste mês.",
        "Billing error",
        "email",
        2,
    ),
    (
        "demo-003",
        "Mariana Lopes",
        "pt",
        "Atendente foi grosseiro ao telefone",
        "Fui tratada com impaciência quando liguei para trocar o produto.",
        "Rude staff",
        "phone",
        1,
    ),
    (
        "demo-004",
        "Carlos Gómez",
        "es",
        "El paquete llegó roto",
        "La caja estaba aplastada y el jarrón roto.",
        "Damaged item",
        "survey",
        1,
    ),
    (
        "demo-005",
        "Lucía Fernández",
        "es",
        "Me cobraron el envío dos veces",
        "El envío aparece dos veces en la factura.",
        "Billing error",
        "api",
        2,
    ),
    (
        "demo-006",
        "Javier Ruiz",
        "es",
        "Nadie respondió a mi correo",
        "Escribí hace una semana y sigo esperando.",
        None,
        "email",
        2,
    ),
    (
        "demo-007",
        "Анна Смирнова",
        "ru",
        "Заказ опоздал на неделю",
        "Курьер переносил доставку три раза.",
        "Late delivery",
        "survey",
        1,
    ),
    (
        "demo-008",
        "Дмитрий Козлов",
        "ru",
        "Грубый ответ в чате",
        "Оператор ответил резко и закрыл чат.",
        "Rude staff",
        "chat",
        2,
    ),
    (
        "demo-009",
        "Елена Волкова",
        "ru",
        "Пришёл повреждённый товар",
        "Коробка была мокрой, чайник не работает.",
        "Damaged item",
        "social",
        1,
    ),
    (
        "demo-010",
        "Emily Carter",
        "en",
        "Order arrived two days late",
        "It was a birthday present and it missed the birthday.",
        "Late delivery",
        "survey",
        2,
    ),
    (
        "demo-011",
        "Michael Brown",
        "en",
        "Refund never arrived",
        "I was promised a refund two weeks ago.",
        "Billing error",
        "phone",
        1,
    ),
    (
        "demo-012",
        "Sarah Johnson",
        "en",
        "Wrong size sent again",
        "Second time I get the wrong size.",
        None,
        "web_form",
        2,
    ),
]


def seed(context: DemoContext) -> None:
    if db.session.scalar(sa.select(Client.id).where(Client.external_id == "demo-001")) is not None:
        return
    rng = random.Random(7)  # noqa: S311  (the same believable data on every machine)
    now = utcnow()
    categories = {}
    playbooks = {}
    for name, title, steps, compensation, hours in PLAYBOOKS:
        category = db.session.scalar(sa.select(Category).where(Category.name == name)) or Category(
            name=name
        )
        db.session.add(category)
        db.session.flush()
        playbooks[name] = Playbook(
            category_id=category.id,
            title=title,
            steps=steps,
            suggested_compensation=compensation,
            follow_up_hours=hours,
        )
        db.session.add(playbooks[name])
        categories[name] = category
    for name in ("Wrong item", "Website bug"):  # causes nobody has written a playbook for yet
        categories[name] = Category(name=name)
        db.session.add(categories[name])
    db.session.flush()

    managers = [
        context.users["manager@huddle.example"],
        context.users["manager.msk@huddle.example"],
    ]
    managers[0].compensation_limit = Decimal("25.00")
    managers[1].compensation_limit = Decimal("25.00")
    teams = [context.teams["sao-paulo"], context.teams["moscow"]]
    for index, (external_id, name, lang, summary, details, category, channel, score) in enumerate(
        STORIES
    ):
        team_index = 1 if lang == "ru" or index % 4 == 3 else 0
        client = Client(
            external_id=external_id,
            name=name,
            email=f"{external_id}@clients.example",
            phone=f"+55 11 9{index:04d}-{index:04d}",
        )
        db.session.add(client)
        opened = now - timedelta(hours=6 + index * 9)
        complaint = Complaint(
            client=client,
            summary=summary,
            details=details,
            channel=channel,
            opened_at=opened,
            due_at=opened + timedelta(hours=24),
            team_id=teams[team_index].id,
            category_id=categories[category].id if category else None,
            constructive=index % 3 != 2,
            status="new",
        )
        db.session.add(complaint)
        db.session.flush()
        db.session.add(
            Rating(
                client=client,
                score=score,
                comment=details,
                channel="survey",
                occurred_at=opened,
                received_at=opened,
                complaint_id=complaint.id,
            )
        )
        _event(None, complaint, "opened", opened, channel=channel)
        owner = managers[team_index]
        if index % 3 == 0:  # nobody has taken these yet
            continue
        _work_on(complaint, owner, index, opened, playbooks.get(category))
    db.session.add(
        Compensation(
            complaint_id=complaint.id,
            kind="refund",
            amount=Decimal("80.00"),
            note="Full refund of the order",
            status="pending",
            requested_by_id=managers[0].id,
            requested_at=now - timedelta(hours=1),
        )
    )
    # Four weeks of ordinary ratings around the complaints: most clients are happy.
    for day in range(28):
        for _ in range(rng.randint(3, 8)):
            client = Client(
                external_id=f"demo-r-{day}-{rng.randint(0, 10**9)}",
                name=rng.choice(
                    [
                        "Paula Reis",
                        "Tomás Díaz",
                        "Ivan Orlov",
                        "Grace Lee",
                        "Rafael Lima",
                        "Nina Popova",
                    ]
                ),
            )
            db.session.add(client)
            received = now - timedelta(days=day, hours=rng.randint(0, 20))
            db.session.add(
                Rating(
                    client=client,
                    score=rng.choice([3, 4, 4, 5, 5, 5]),
                    channel="survey",
                    occurred_at=received,
                    received_at=received,
                )
            )
    db.session.flush()


# What the manager wrote after each call, in the language they speak with these clients.
CALL_NOTES = {
    "pt": (
        "Pediu desculpas; cliente aceitou desconto no próximo pedido.",
        "Caixa postal, deixei recado.",
    ),
    "ru": ("Извинился, предложил скидку; клиент доволен.", "Не отвечает, перезвоню вечером."),
}


def _work_on(complaint: Complaint, owner, index: int, opened, playbook: Playbook | None) -> None:
    """A taken complaint: a call (reached or not), perhaps a playbook, and for some the resolution.

    Written as the desk's services would have written it, audit trail included, so the demo's
    complaint pages show a believable history.
    """
    reached = index % 2 == 0
    language = "ru" if owner.locale == "ru" else "pt"
    complaint.owner_id = owner.id
    complaint.status = "contacting"
    _event(owner, complaint, "owner_changed", opened + timedelta(hours=1), to=owner.name)
    called_at = opened + timedelta(hours=3)
    db.session.add(
        Contact(
            complaint_id=complaint.id,
            user_id=owner.id,
            channel="call",
            outcome="reached" if reached else "no_answer",
            notes=CALL_NOTES[language][0 if reached else 1],
            at=called_at,
        )
    )
    outcome = "reached" if reached else "no_answer"
    _event(owner, complaint, "contact_logged", called_at, channel="call", outcome=outcome)
    if playbook is not None:
        complaint.playbook = playbook
        complaint.budget = playbook.suggested_compensation
        complaint.checklist_done = [0] if reached else []
        _event(owner, complaint, "playbook_applied", called_at, playbook=playbook.title)
    if not reached:
        return
    complaint.status = "resolved"
    complaint.resolved_at = opened + timedelta(hours=5)
    complaint.client_outcome = "rated_again" if index % 4 == 0 else None
    db.session.add(
        Compensation(
            complaint_id=complaint.id,
            kind="discount",
            amount=Decimal("10.00"),
            note="10% on the next order",
            status="approved",
            requested_by_id=owner.id,
            decided_by_id=owner.id,
            requested_at=opened + timedelta(hours=4),
            decided_at=opened + timedelta(hours=4),
        )
    )
    given_at = opened + timedelta(hours=4)
    _event(owner, complaint, "compensation_given", given_at, kind="discount", amount="10.00")
    moved = {"from": "contacting", "to": "resolved"}
    _event(owner, complaint, "status_changed", complaint.resolved_at, **moved)
    issue_link(
        complaint.client_id,
        purpose="follow_up",
        complaint_id=complaint.id,
        now=complaint.resolved_at,
    )


def _event(actor, complaint: Complaint, action: str, at, **details) -> None:
    """An audit event dated when the story says it happened, not when the demo was loaded."""
    event = audit.record(actor.id if actor else None, "complaint", complaint.id, action, **details)
    event.at = at
