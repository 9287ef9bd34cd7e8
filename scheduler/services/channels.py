"""Use cases of channels: their settings and weekly templates (kept to the screen-time policy), the clips that fill their days."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.catalogue import AlreadyExists, NotFound
from scheduler.domain.channels import Channel, WeeklyTemplate, validate_template
from scheduler.domain.plan import Clip
from scheduler.domain.policy import check_template, policy_for
from scheduler.domain.review import Actor
from scheduler.services import admin_audit
from scheduler.store import plan_json
from scheduler.store.models import ChannelRow, FillerClip


def save_channel(
    session: Session, channel: Channel, template: WeeklyTemplate, *, at: datetime, new: bool, by: Actor | None = None
) -> None:
    """Create (new=True) or update a channel and its template, refused unless the template keeps the policy;
    recorded in the admin audit trail when saved by someone (the demo seeds without)."""
    validate_template(channel, template)
    check_template(policy_for(channel), channel, template)
    with session.begin():
        row = session.get(ChannelRow, channel.id)
        if new and row is not None:
            raise AlreadyExists("channel", channel.id)
        if not new and (row is None or row.retired):
            raise NotFound("channel", channel.id)
        row = row or ChannelRow(id=channel.id, retired=False)
        row.name, row.grades, row.updated_at = channel.name, list(channel.grades), at
        row.settings = plan_json.channel_to_dict(channel)
        before = row.template
        row.template = plan_json.template_to_dict(template, channel.fps)
        session.add(row)
        if by is not None:
            action = AdminAction.CHANNEL_CREATED if new else AdminAction.TEMPLATE_SAVED
            changes = {"name": channel.name, "public": channel.public} if new else {"template": [before, row.template]}
            admin_audit.record(session, by, action, ("channel", channel.id), changes, at)


def edit_channel(session: Session, by: Actor, channel_id: str, *, name: str, public: bool, at: datetime) -> Channel:
    """Rename a channel or switch it between public (families see it) and internal (InvalidChannel if blank)."""
    with session.begin():
        row = session.get(ChannelRow, channel_id)
        if row is None or row.retired:
            raise NotFound("channel", channel_id)
        channel, _template = channel_from_row(row)
        edited = replace(channel, name=name.strip(), public=public)
        changes = admin_audit.changed({"name": channel.name, "public": channel.public},
                                      {"name": edited.name, "public": edited.public})
        if changes:
            row.name, row.settings, row.updated_at = edited.name, plan_json.channel_to_dict(edited), at
            admin_audit.record(session, by, AdminAction.CHANNEL_EDITED, ("channel", channel_id), changes, at)
        return edited


def channel_from_row(row: ChannelRow) -> tuple[Channel, WeeklyTemplate]:
    channel = plan_json.channel_from_dict(row.settings)
    return channel, plan_json.template_from_dict(row.template, channel.fps)


def load_channel(session: Session, channel_id: str) -> tuple[Channel, WeeklyTemplate]:
    row = session.get(ChannelRow, channel_id)
    if row is None or row.retired:
        raise NotFound("channel", channel_id)
    return channel_from_row(row)


def get_channel(session: Session, channel_id: str) -> tuple[Channel, WeeklyTemplate]:
    """A channel and its weekly template."""
    with session.begin():
        return load_channel(session, channel_id)


def channel_rows(session: Session, grade: int | None = None, *, public_only: bool = False) -> list[ChannelRow]:
    """Channels on air (optionally those carrying a grade; optionally only those families see)."""
    rows = session.scalars(select(ChannelRow).where(ChannelRow.retired.is_(False)).order_by(ChannelRow.id))
    return [
        row for row in rows
        if (grade is None or grade in row.grades) and (not public_only or row.settings.get("public", True))
    ]


def list_channels(session: Session, grade: int | None = None, *, public_only: bool = False) -> list[Channel]:
    """Channels on air, optionally only those carrying a grade, optionally only those families see."""
    with session.begin():
        return [channel_from_row(row)[0] for row in channel_rows(session, grade, public_only=public_only)]


def save_clip(session: Session, clip: Clip) -> None:
    """Register or update a filler, break, slate or standby clip (media relative to the store)."""
    with session.begin():
        session.merge(FillerClip(id=clip.id, title=clip.title, media_name=clip.media, frames=clip.frames))


def clips_by_id(session: Session) -> dict[str, Clip]:
    return {c.id: Clip(c.id, c.frames, c.title, c.media_name) for c in session.scalars(select(FillerClip))}
