"""Demo wishes in Portuguese, Spanish, Russian and English (idempotent: each is made once, by title).

What a visitor sees: a request over the threshold waiting for the next review in each team, a smaller
wish below it, a wish decided "will do if paid" at last week's review with its callbacks (one made,
two overdue), a declined one with its reason, an "already possible" answer and a merged duplicate.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.database import utcnow
from core.demo import DemoContext
from core.extensions import db
from core.models import Client
from wishes import calendar, services
from wishes.models import Callback, Wish

SP_AGENTS = ("agent@huddle.example", "agent2@huddle.example")
MSK_AGENTS = ("agent.msk@huddle.example", "agent2.msk@huddle.example")

# (external id, name), and the language each reads
CLIENTS = {
    "w01": ("Mariana Lopes", "pt_BR"),
    "w02": ("Rafael Nunes", "pt_BR"),
    "w03": ("Padaria Pão Quente", "pt_BR"),
    "w04": ("Camila Ferreira", "pt_BR"),
    "w05": ("Lucía Fernández", "es"),
    "w06": ("Distribuidora Andina", "es"),
    "w07": ("ООО «Северный ветер»", "ru"),
    "w08": ("Анна Смирнова", "ru"),
    "w09": ("Игорь Волков", "ru"),
    "w10": ("Harbour Coffee Ltd", "en"),
    "w11": ("Peter Walsh", "en"),
    "w12": ("Oficina do Zé", "pt_BR"),
}

# (title, team, [(client key, problem)])
OPEN_WISHES = [
    (
        "Exportar relatórios para Excel",
        "sao-paulo",
        [
            ("w01", "A contadora redigita todo relatório numa planilha no fim do mês."),
            ("w02", "Quero cruzar as vendas com o meu estoque."),
            ("w03", "Preciso mandar o fechamento para o sócio que só usa Excel."),
            ("w04", "Faço gráficos para a reunião de segunda."),
        ],
    ),
    (
        "Modo oscuro en la aplicación",
        "sao-paulo",
        [
            ("w05", "Trabajo de noche y la pantalla blanca cansa la vista."),
            ("w06", "Nuestros repartidores usan la app de madrugada."),
        ],
    ),
    (
        "Выгрузка счетов в 1С",
        "moscow",
        [
            ("w07", "Бухгалтер вручную переносит каждый счёт в 1С."),
            ("w08", "Хочу сверять оплаты без копирования."),
            ("w09", "В конце квартала уходит целый день на перенос."),
        ],
    ),
]

PAID = (
    "Pay invoices in monthly instalments",
    [
        ("w10", "Our cash flow is tight in the winter months."),
        ("w11", "I would rather spread a big order over three months."),
        ("w12", "Parcelar ajuda a pagar os pedidos grandes."),
    ],
)
DECLINED = ("Pagamento com cheque", [("w03", "Alguns fornecedores antigos só aceitam cheque.")])
POSSIBLE = (
    "Receive the receipt by e-mail",
    [("w11", "I lose the paper receipts."), ("w01", "Preciso do recibo para o reembolso.")],
)
DUPLICATE = ("Export reports to a spreadsheet", [("w10", "Our accountant lives in spreadsheets.")])


def seed(context: DemoContext) -> None:
    existing = set(db.session.scalars(sa.select(Wish.title)))
    clients = _clients()
    users = context.users
    for title, team_slug, asks in OPEN_WISHES:
        if title not in existing:
            agents = SP_AGENTS if team_slug == "sao-paulo" else MSK_AGENTS
            _ask(title, asks, clients, [users[email] for email in agents], days_ago=12)
    sao_paulo = context.teams["sao-paulo"]
    sp_agents = [users[email] for email in SP_AGENTS]
    manager = users["manager@huddle.example"]
    if PAID[0] not in existing:
        _decided_last_week(PAID, clients, sp_agents, sao_paulo, manager, DECLINED)
    if POSSIBLE[0] not in existing:
        wish_id = _ask(POSSIBLE[0], POSSIBLE[1], clients, sp_agents)
        services.answer_already_possible(
            wish_id,
            sp_agents[0],
            "Settings → Receipts → “Send by e-mail”. It is on for new accounts since March.",
        )
    if DUPLICATE[0] not in existing:
        duplicate = _ask(DUPLICATE[0], DUPLICATE[1], clients, sp_agents)
        keep = db.session.scalar(sa.select(Wish.id).where(Wish.title == OPEN_WISHES[0][0]))
        if keep is not None:
            services.merge(duplicate, keep, users["admin@huddle.example"])


def _clients() -> dict[str, Client]:
    """The asking clients; one the complaints demo already made (Mariana Lopes) is that same
    client, so her page shows her complaint and her wish together (#17)."""
    names = [name for name, _language in CLIENTS.values()]
    known = {c.name: c for c in db.session.scalars(sa.select(Client).where(Client.name.in_(names)))}
    found = {}
    for key, (name, language) in CLIENTS.items():
        found[key] = known.get(name) or services.upsert_client(
            {"external_id": f"demo-wish-{key}", "name": name, "locale": language}
        )
    return found


def _ask(title, asks, clients, agents, days_ago: int = 6) -> int:
    """One ask a day or so apart, the first ``days_ago`` days back: the review shows real ages."""
    wish_id = None
    start = utcnow() - timedelta(days=days_ago)
    for n, (key, problem) in enumerate(asks):
        recorded = services.record_wish(
            clients[key],
            title=title if wish_id is None else None,
            wish_id=wish_id,
            problem=problem,
            agent=agents[n % len(agents)],
            now=start + timedelta(days=n, hours=n * 3),
        )
        wish_id = recorded.wish.id
    return wish_id


def _decided_last_week(paid, clients, agents, team, manager, declined) -> None:
    """Last week's review: decided, closed, one callback made and the others now overdue."""
    this_week = calendar.next_review_on(team)
    last_week = this_week - timedelta(days=7)
    decided_at = datetime.combine(last_week, datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
    paid_id = _ask(paid[0], paid[1], clients, agents, days_ago=24)
    declined_id = _ask(declined[0], declined[1], clients, agents, days_ago=15)
    decided = services.decide(
        paid_id,
        manager,
        team=team,
        review_on=last_week,
        outcome="will_do_if_paid",
        reason="Instalments need a credit check we only run for business accounts.",
        terms="3 or 6 instalments, 2% a month, for business accounts.",
        now=decided_at,
    )
    services.decide(
        declined_id,
        manager,
        team=team,
        review_on=last_week,
        outcome="wont_do",
        reason="The banks are retiring cheques; Pix and bank slips cover these suppliers.",
        now=decided_at,
    )
    services.close_review(team, last_week, manager, now=decided_at)
    first = db.session.scalar(
        sa.select(Callback)
        .where(Callback.decision_id == decided.decision.id)
        .order_by(Callback.id)
        .limit(1)
    )
    if first is not None:
        services.log_call(
            first.id, manager, "Explained the instalment terms; they will ask for a quote."
        )
