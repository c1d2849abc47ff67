"""The figures of a report period, computed in the database (GROUP BY), never row by row:
received, answered directly (level 1), transferred (level 2), answered on time, late, overdue,
pending; by field, agency, channel, level and commune (ward, special zone); satisfaction; the alert phrases heard in calls; and the
overdue and unresolved lists."""

from __future__ import annotations

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.places import places
from hotline.reports.periods import Period
from hotline.ticketing.handling import RATINGS
from hotline.store.agencies import Agency
from hotline.store.base import aware, iso
from hotline.store.callbacks import CallbackAttempt, CallbackRequest, OutboundCall
from hotline.store.calls import QueuedCallRow
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.knowledge import Article, ArticleVersion, Citation
from hotline.store.recordings import CallAlert
from hotline.store.tickets import Ticket

PENDING = ("received", "in_progress", "overdue")


def ticket_totals():
    answered = Ticket.answered_at.is_not(None)
    return [func.count().label("received"),
            func.sum(case((Ticket.answer_level == 1, 1), else_=0)).label("answered_directly"),
            func.sum(case((Ticket.transferred_at.is_not(None), 1), else_=0)).label("transferred"),
            func.sum(case((answered & Ticket.late.is_(False), 1), else_=0)).label("on_time"),
            func.sum(case((Ticket.late.is_(True), 1), else_=0)).label("late"),
            func.sum(case((Ticket.status == "overdue", 1), else_=0)).label("overdue"),
            func.sum(case((Ticket.status.in_(PENDING), 1), else_=0)).label("pending"),
            func.sum(case((Ticket.status == "rejected", 1), else_=0)).label("rejected")]


def counts_of(r) -> dict:
    return {k: int(v or 0) for k, v in r._mapping.items() if k != "key"}


async def ticket_report(sessions: async_sessionmaker, p: Period, topics: dict[str, str],
                        list_limit: int = 200) -> dict:
    in_period = (Ticket.created_at >= p.start, Ticket.created_at < p.end, Ticket.draft.is_(False))
    async with sessions() as s:
        totals = counts_of((await s.execute(select(*ticket_totals()).where(*in_period))).one())

        async def by(column, label_of=None):
            rows = await s.execute(select(column.label("key"), *ticket_totals()).where(*in_period).group_by(column)
                                   .order_by(func.count().desc()))
            return [{"key": r.key, "name": (label_of or {}).get(r.key, r.key) or "(không rõ)", **counts_of(r)}
                    for r in rows]

        agencies = dict((await s.execute(select(Agency.id, Agency.name))).all())
        report = {"period": {"kind": p.kind, "from": p.first.isoformat(), "to": p.last.isoformat(), "label": p.label},
                  "totals": totals,
                  "by_field": await by(Ticket.topic, topics),
                  "by_agency": await by(Ticket.agency_id, agencies),
                  "by_channel": await by(Ticket.channel),
                  "by_level": await by(Ticket.answer_level, {1: "Cấp 1 (tổng đài)", 2: "Cấp 2 (cơ quan)"})}
        # Where the matters were, in the divisions since July 2025 (the ticket's commune code).
        report["by_commune"] = await by(Ticket.commune_code, {
            code: c.name for code in await s.scalars(select(Ticket.commune_code.distinct()).where(*in_period))
            if (c := places().commune(code)) is not None})
        ratings = dict((await s.execute(select(Ticket.rating, func.count()).where(*in_period,
                                                                                   Ticket.rating.is_not(None))
                                        .group_by(Ticket.rating))).all())
        report["satisfaction"] = [{"rating": k, "name": name, "count": int(ratings.get(k, 0))}
                                  for k, name in sorted(RATINGS.items(), reverse=True)]

        async def listing(*where):
            rows = await s.execute(select(Ticket.code, Ticket.topic, Ticket.status, Ticket.handling_stage,
                                          Ticket.due_at, Ticket.created_at, Agency.name)
                                   .outerjoin(Agency, Agency.id == Ticket.agency_id)
                                   .where(*in_period, *where).order_by(Ticket.created_at).limit(list_limit))
            return [{"code": r.code, "field": topics.get(r.topic or "", r.topic), "status": r.status,
                     "stage": r.handling_stage, "agency": r.name,
                     "due_at": iso(r.due_at),
                     "created_at": iso(r.created_at)} for r in rows]

        report["overdue_list"] = await listing(Ticket.status == "overdue")
        report["unresolved_list"] = await listing(Ticket.status.in_(PENDING))
    return report


def _call_totals(service_level: dict[str, int], default_level: int):
    c = QueuedCallRow
    answered = c.outcome == "answered"
    threshold = (case(*[(c.queue == q, t) for q, t in service_level.items()], else_=default_level)
                 if service_level else literal(default_level))
    within = case((answered & (c.wait_seconds <= threshold), 1), else_=0)
    return [func.count().label("offered"),
            func.sum(case((answered, 1), else_=0)).label("answered"),
            func.sum(case((c.outcome == "abandoned", 1), else_=0)).label("abandoned"),
            func.sum(case((c.outcome.in_(("timeout", "exit_empty", "exit_key")), 1), else_=0)).label("timed_out"),
            func.sum(within).label("within_level"),
            func.sum(case((answered, c.wait_seconds), else_=0)).label("wait_answered"),
            func.sum(case((c.outcome != "waiting", c.wait_seconds), else_=0)).label("wait_all"),
            func.sum(case((c.talk_seconds.is_not(None), c.talk_seconds), else_=0)).label("talk"),
            func.sum(case((c.talk_seconds.is_not(None), 1), else_=0)).label("talked")]


def _call_figures(r) -> dict:
    v = {k: int(x or 0) for k, x in r._mapping.items() if k != "key"}
    done = v["answered"] + v["abandoned"] + v["timed_out"]
    return {"offered": v["offered"], "answered": v["answered"], "abandoned": v["abandoned"],
            "timed_out": v["timed_out"],
            "avg_wait_seconds": round(v["wait_answered"] / v["answered"], 1) if v["answered"] else None,
            "avg_wait_all_seconds": round(v["wait_all"] / done, 1) if done else None,
            "avg_talk_seconds": round(v["talk"] / v["talked"], 1) if v["talked"] else None,
            "service_level": round(100 * v["within_level"] / v["offered"], 1) if v["offered"] else None,
            "abandon_rate": round(100 * v["abandoned"] / v["offered"], 1) if v["offered"] else None}


async def call_report(sessions: async_sessionmaker, p: Period, queue_names: dict[str, str],
                      service_level: dict[str, int], default_level: int = 20) -> dict:
    """Calls offered to the queues in the period (by the time they entered the queue): answered,
    abandoned, sent to a callback (timed out), average wait and talk, and the service level (the
    share of offered calls answered within the queue's threshold), in total and by queue."""
    c = QueuedCallRow
    where = (c.entered_at >= p.start, c.entered_at < p.end)
    cols = _call_totals(service_level, default_level)
    async with sessions() as s:
        totals = _call_figures((await s.execute(select(*cols).where(*where))).one())
        rows = await s.execute(select(c.queue.label("key"), *cols).where(*where).group_by(c.queue)
                               .order_by(func.count().desc()))
        by_queue = [{"key": r.key, "name": queue_names.get(r.key, r.key), **_call_figures(r)} for r in rows]
    return {"totals": totals, "by_queue": by_queue}


async def callback_report(sessions: async_sessionmaker, p: Period) -> dict:
    """Callback requests made in the period: by reason and status, past their deadline, the average
    time to handle (from the handled requests' two times: the databases differ in date arithmetic);
    attempts by outcome; calls placed to citizens and how many were answered."""
    r, a, o = CallbackRequest, CallbackAttempt, OutboundCall
    where = (r.requested_at >= p.start, r.requested_at < p.end)
    async with sessions() as s:
        counts = list(await s.execute(select(r.reason, r.status, func.count(r.id), func.count(r.escalated_at))
                                      .where(*where).group_by(r.reason, r.status)))
        handled = list(await s.execute(select(r.requested_at, r.handled_at).where(*where, r.handled_at.is_not(None))))
        attempts = dict((await s.execute(select(a.outcome, func.count()).where(a.at >= p.start, a.at < p.end)
                                         .group_by(a.outcome))).all())
        calls = dict((await s.execute(select(o.status, func.count()).where(
            o.requested_at >= p.start, o.requested_at < p.end, o.status != "requested").group_by(o.status))).all())
    hours = [(aware(h) - aware(q)).total_seconds() / 3600 for q, h in handled]
    by_reason: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for reason, status, n, _ in counts:
        by_reason[reason] = by_reason.get(reason, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    return {"requested": sum(by_reason.values()), "by_reason": by_reason,
            "done": by_status.get("done", 0), "unreached": by_status.get("unreached", 0),
            "open": by_status.get("open", 0) + by_status.get("taken", 0),
            "overdue": sum(row[3] for row in counts),
            "avg_hours_to_handle": round(sum(hours) / len(hours), 2) if hours else None,
            "attempts": attempts, "calls_placed": sum(calls.values()), "calls_answered": calls.get("answered", 0)}


CHANNEL_ORDER = ("webchat", "email", "zalo", "facebook", "sms")


async def conversation_report(sessions: async_sessionmaker, p: Period, channel_names: dict[str, str]) -> dict:
    """Written conversations begun in the period, by channel: how many, answered, closed, still
    waiting for an answer, late (the first-reply time passed at least once), messages each way,
    and the first-reply time (clock minutes from the first message to the first answer: median
    and 90th percentile; computed from the answered ones' two times, as the databases differ in
    date arithmetic)."""
    c, m = Conversation, ConversationMessage
    where = (c.created_at >= p.start, c.created_at < p.end)
    async with sessions() as s:
        counts = list(await s.execute(select(
            c.channel, func.count(c.id), func.count(c.first_reply_at),
            func.sum(case((c.status == "closed", 1), else_=0)), func.sum(case((c.status == "open", 1), else_=0)),
            func.sum(case((c.late_count > 0, 1), else_=0))).where(*where).group_by(c.channel)))
        messages = list(await s.execute(select(c.channel, m.direction, func.count(m.id)).join(
            m, m.conversation_id == c.id).where(*where, or_(m.direction == "in", m.author.is_not(None)))
            .group_by(c.channel, m.direction)))
        replies = list(await s.execute(select(c.channel, c.created_at, c.first_reply_at).where(
            *where, c.first_reply_at.is_not(None))))
    minutes: dict[str, list[float]] = {}
    for channel, begun, first in replies:
        minutes.setdefault(channel, []).append((aware(first) - aware(begun)).total_seconds() / 60)
    sent = {(ch, d): n for ch, d, n in messages}

    def figures(channel, n, answered, closed, waiting, late, waits) -> dict:
        waits = sorted(waits)
        return {"key": channel, "name": channel_names.get(channel, channel) if channel else "Tổng cộng",
                "conversations": int(n), "answered": int(answered or 0), "closed": int(closed or 0),
                "waiting": int(waiting or 0), "late": int(late or 0),
                "messages_in": sum(v for (ch, d), v in sent.items() if d == "in" and channel in (None, ch)),
                "messages_out": sum(v for (ch, d), v in sent.items() if d == "out" and channel in (None, ch)),
                "median_first_reply_minutes": round(waits[len(waits) // 2], 1) if waits else None,
                "p90_first_reply_minutes": round(waits[min(len(waits) - 1, int(len(waits) * 0.9))], 1)
                if waits else None}

    order = {ch: i for i, ch in enumerate(CHANNEL_ORDER)}
    rows = sorted(counts, key=lambda r: (order.get(r[0], 99), r[0]))
    by_channel = [figures(r[0], *r[1:], minutes.get(r[0], [])) for r in rows]
    totals = figures(None, *(sum(int(r[i] or 0) for r in rows) for i in range(1, 6)),
                     [w for ws in minutes.values() for w in ws])
    return {"totals": totals, "by_channel": by_channel}


async def knowledge_report(sessions: async_sessionmaker, p: Period, topics: dict[str, str], top: int = 10) -> dict:
    """Answers from the knowledge base in the period: by field, the phone tickets answered at
    level 1 (by the operator) and how many of those cited an article; the articles most used; the
    articles used in the period whose cited wording an agency later corrected (a newer version
    from the agency approved after the citation)."""
    phone = (Ticket.created_at >= p.start, Ticket.created_at < p.end, Ticket.draft.is_(False), Ticket.channel == "phone")
    cited_at = (Citation.cited_at >= p.start, Citation.cited_at < p.end)
    async with sessions() as s:
        cited_tickets = select(Citation.ticket_id).distinct()
        level1 = Ticket.answer_level == 1
        rows = await s.execute(
            select(Ticket.topic, func.count(), func.sum(case((level1, 1), else_=0)),
                   func.sum(case((level1 & Ticket.id.in_(cited_tickets), 1), else_=0)))
            .where(*phone).group_by(Ticket.topic).order_by(func.count().desc()))
        by_field = [{"key": t, "name": topics.get(t or "", t or "(không rõ)"), "calls": int(n),
                     "level1": int(l1 or 0), "from_articles": int(fa or 0),
                     "level1_share": round(100 * int(l1 or 0) / n, 1) if n else 0.0} for t, n, l1, fa in rows]
        used = func.count(Citation.id)
        most = await s.execute(select(Article.id, Article.field, ArticleVersion.question, used)
                               .join(Citation, Citation.article_id == Article.id)
                               .join(ArticleVersion, ArticleVersion.id == Article.current_version_id)
                               .where(*cited_at).group_by(Article.id, Article.field, ArticleVersion.question)
                               .order_by(used.desc(), Article.id).limit(top))
        cited_v, later = ArticleVersion.__table__.alias("cited_v"), ArticleVersion.__table__.alias("later")
        corrected = await s.execute(
            select(Citation.article_id, func.count(func.distinct(Citation.ticket_id)), func.min(later.c.reviewed_at),
                   func.max(later.c.number))
            .join(cited_v, cited_v.c.id == Citation.version_id)
            .join(later, (later.c.article_id == Citation.article_id) & (later.c.number > cited_v.c.number))
            .where(*cited_at, later.c.author_role == "agency", later.c.reviewed_at.is_not(None),
                   later.c.state.in_(("approved", "superseded")), later.c.reviewed_at > Citation.cited_at)
            .group_by(Citation.article_id))
        corrected = list(corrected)
        questions = dict((await s.execute(select(Article.id, ArticleVersion.question).join(
            ArticleVersion, ArticleVersion.id == Article.current_version_id)
            .where(Article.id.in_([r[0] for r in corrected])))).all()) if corrected else {}
    totals = {"calls": sum(f["calls"] for f in by_field), "level1": sum(f["level1"] for f in by_field),
              "from_articles": sum(f["from_articles"] for f in by_field)}
    totals["level1_share"] = round(100 * totals["level1"] / totals["calls"], 1) if totals["calls"] else 0.0
    return {"totals": totals, "by_field": by_field,
            "most_used": [{"id": i, "field": topics.get(f, f), "question": q, "uses": int(n)} for i, f, q, n in most],
            "corrected": [{"id": i, "question": questions.get(i, ""), "tickets": int(n), "corrected_at": iso(at),
                           "version": int(v)} for i, n, at, v in corrected]}


async def alert_report(sessions: async_sessionmaker, p: Period) -> dict:
    """Alert phrases heard in live calls (hotline/recordings/live.py): how many, in how many calls,
    by phrase."""
    in_period = (CallAlert.heard_at >= p.start, CallAlert.heard_at < p.end)
    async with sessions() as s:
        total, calls = (await s.execute(select(func.count(), func.count(func.distinct(CallAlert.linkedid)))
                                        .where(*in_period))).one()
        rows = await s.execute(select(CallAlert.phrase, func.count(), func.count(func.distinct(CallAlert.linkedid)))
                               .where(*in_period).group_by(CallAlert.phrase).order_by(func.count().desc()))
        return {"alerts": int(total or 0), "calls": int(calls or 0),
                "by_phrase": [{"name": phrase, "alerts": n, "calls": c} for phrase, n, c in rows]}
