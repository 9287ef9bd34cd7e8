"""Read-only: the cities, counties and schools accounts can be scoped to, as (id, name) choices."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.store.models import City, County, School


@dataclass(frozen=True)
class Regions:
    """Scope choices, each (id, name) with the names of what it belongs to: 嘉兴市 / 南湖区 / 南湖区实验小学."""

    cities: tuple[tuple[int, str], ...]
    counties: tuple[tuple[int, str], ...]
    schools: tuple[tuple[int, str], ...]


def list_regions(session: Session) -> Regions:
    """Every city, county and school, by name of the city, then county, then school."""
    with session.begin():
        cities = session.scalars(select(City).order_by(City.name)).all()
        counties = session.scalars(select(County).options(joinedload(County.city))).all()
        schools = session.scalars(select(School).options(joinedload(School.county).joinedload(County.city))).all()
        return Regions(
            tuple((c.id, c.name) for c in cities),
            tuple(sorted(((c.id, f"{c.city.name} / {c.name}") for c in counties), key=lambda item: item[1])),
            tuple(sorted(
                ((s.id, f"{s.county.city.name} / {s.county.name} / {s.name}") for s in schools), key=lambda item: item[1]
            )),
        )
