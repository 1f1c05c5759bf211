"""Enedis's recurring flows in the sandbox: R50 (C5 load curves, F300C) and R151 (C5 daily indexes + max
power, F305), delivered as files on the SFTP drop for every meter with an active recurring CDC / IDX
subscribed service (placed through the SGE stand-in's CommandeCollectePublicationMesures).

The XML is written in the layout of the real anonymised files published in consometers/sge-tiers
(`CommandeCollectePublicationMesures/C5-CDC/R50.xml`, `C5-IDX/R151.xml`): same elements, same order,
same formats (curve points `H` as ISO 8601 with the Paris offset, end of the interval; `V` in W;
indexes in Wh; max power in VA). The delivery form follows public practice: one ZIP archive holding
the XML, encrypted with AES-CBC (PKCS7) under the key and IV Enedis gives the third party.

What no public source states, decided here (and said in the README): the file name
`ENEDIS_<flow>_<subscription>_<PRM>_<seq:05d>_<YYYYMMDD>.zip` (sequence numbered per flow and
subscription from 1, the day the file covers), one file per subscription and day, delivered once the
day is over; no R50 file for a day without curve (not activated yet, meter silent); the calendars'
codes besides DI000001 / FC000165 (seen in the real file).

Scenario knobs (tests and the control endpoint, per flow and sequence number): `skip` (the number is
used but the file withheld; `release_withheld()` delivers it late), `wrong_key` (encrypted with
another key), `truncate` (the archive cut short); `resend(name)` delivers a file again (Enedis
re-sending it). Files appear atomically (temp name, then rename).
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.enedis import measures
from sandbox.enedis.meters import MeterProfile, profile

# The demo's flows key and IV (hex, as Enedis hands them over); production keys never live in code.
SANDBOX_AES_KEY = "000102030405060708090a0b0c0d0e0f"
SANDBOX_AES_IV = "0f0e0d0c0b0a09080706050403020100"
OTHER_AES_KEY = "ffeeddccbbaa99887766554433221100"
FLOW_OF_TYPE = {"CDC": "R50", "IDX": "R151"}
LABELS = {"R50": "Courbes de charge des PRM du segment C5 sur abonnement",
          "R151": "Puissances maximales et index des PRM du segment C5 sur abonnement"}
XSD_VERSION = {"R50": "1.1.0", "R151": "V1"}
CLASS_LABELS = {"BASE": "Base", "HP": "Heures Pleines", "HC": "Heures Creuses",
                "HPH": "Heures Pleines Hiver", "HCH": "Heures Creuses Hiver",
                "HPB": "Heures Pleines Saison Basse", "HCB": "Heures Creuses Saison Basse"}
# (distributor calendar, its label, supplier calendar, its label) per tariff option; DI000001 and
# FC000165 are the real file's (base), the others are the sandbox's own codes
CALENDARS = {"BASE": ("DI000001", "Sans différenciation temporelle", "FC000165", "Base"),
             "HP/HC": ("DI000002", "Heures pleines / heures creuses", "FC000166", "Heures pleines / heures creuses"),
             "4 classes": ("DI000003", "Quatre classes temporelles", "FC000167", "Quatre classes temporelles")}


def _cipher(key_hex: str, iv_hex: str) -> Any:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key, iv = bytes.fromhex(key_hex), bytes.fromhex(iv_hex)

    def encrypt(plain: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()

    return encrypt


def _text(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _elements(pairs: list[tuple[str, Any]]) -> str:
    return "".join(f"<{name}>{_text(value)}</{name}>" for name, value in pairs)


def _header(flow: str, contract: str, subscription: str, created: datetime, extra: list[tuple[str, Any]]) -> str:
    return ("<En_Tete_Flux>" + _elements([
        ("Identifiant_Flux", flow), ("Libelle_Flux", LABELS[flow]), ("Version_XSD", XSD_VERSION[flow]),
        ("Identifiant_Emetteur", "ERDF"), ("Identifiant_Destinataire", contract),
        ("Date_Creation", created.astimezone(measures.PARIS).isoformat(timespec="seconds")),
        ("Identifiant_Contrat", contract), ("Numero_Abonnement", subscription), *extra]) + "</En_Tete_Flux>")


def affaire_of(subscription: str) -> str:
    """An 8-character affaire id for the subscription (the real files show e.g. M02SXITK)."""
    number, digits = int(subscription), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return ("M" + out.rjust(7, "0"))[-8:]


def r50_xml(meter: MeterProfile, day: date, *, step_minutes: int, contract: str, subscription: str,
            created: datetime) -> str | None:
    """The R50 file of one PRM and day (None: no curve that day)."""
    points = measures.day_curve(meter, day, step_minutes)
    if not points:
        return None
    lines = ['<?xml version="1.0" encoding="UTF-8"?><R50 xmlns:xsi ="http://www.w3.org/2001/XMLSchema-instance">'
             + _header("R50", contract, subscription, created, [("Pas_Publication", step_minutes)]),
             f"<PRM>{_elements([('Id_PRM', meter.prm)])}",
             "<Donnees_Releve>" + _elements([("Date_Releve", day.isoformat()), ("Id_Affaire", affaire_of(subscription))])]
    for point in points:
        stamp = point.end.astimezone(measures.PARIS).isoformat(timespec="seconds")
        lines.append("<PDC>" + _elements([("H", stamp), ("V", point.power_w), ("IV", 0)]) + "</PDC>")
    lines += ["</Donnees_Releve>", "</PRM>", "</R50>"]
    return "\n".join(lines) + "\n"


def _classes(tag: str, values: tuple[tuple[str, int], ...]) -> list[str]:
    return [f"<{tag}>" + _elements([("Id_Classe_Temporelle", cls), ("Libelle_Classe_Temporelle", CLASS_LABELS[cls]),
                                     ("Rang_Cadran", rank), ("Valeur", wh), ("Indice_Vraisemblance", 0)]) + f"</{tag}>"
            for rank, (cls, wh) in enumerate(values, start=1)]


def r151_xml(meter: MeterProfile, day: date, *, contract: str, subscription: str, created: datetime) -> str:
    """The R151 file of one PRM and day: registers at 00:00 Paris time of `day`, the day's max power."""
    distributor, distributor_label, supplier, supplier_label = CALENDARS[meter.tariff_option]
    measures.warm_index(meter, day)
    registers = measures.index_at(meter, day)
    top = measures.day_max_power(meter, day)
    lines = ['<?xml version="1.0" encoding="UTF-8"?><R151 xmlns:xsi ="http://www.w3.org/2001/XMLSchema-instance">'
             + _header("R151", contract, subscription, created,
                       [("Unite_Mesure_Index", "Wh"), ("Unite_Mesure_Puissance", "VA")]),
             f"<PRM>{_elements([('Id_PRM', meter.prm)])}",
             "<Donnees_Releve>" + _elements([("Date_Releve", day.isoformat())]),
             _elements([("Id_Calendrier_Fournisseur", supplier)]), _elements([("Libelle_Calendrier_Fournisseur",
                                                                              supplier_label)]),
             _elements([("Id_Calendrier_Distributeur", distributor)]),
             _elements([("Libelle_Calendrier_Distributeur", distributor_label)]),
             _elements([("Id_Affaire", affaire_of(subscription))]),
             *_classes("Classe_Temporelle_Distributeur", registers), *_classes("Classe_Temporelle", registers)]
    if top is not None:
        lines.append(f"<Puissance_Maximale>{_elements([('Valeur', top[0])])}</Puissance_Maximale>")
    lines += ["</Donnees_Releve>", "</PRM>", "</R151>"]
    return "\n".join(lines) + "\n"


def archive(name: str, xml: str) -> bytes:
    """The ZIP archive holding one flow XML (member: the file's name with .xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(name.rsplit(".", 1)[0] + ".xml", xml.encode("utf-8"))
    return buffer.getvalue()


@dataclass
class FlowDelivery:
    """Delivers R50/R151 archives into `folder`; remembers sequence numbers and the days done."""

    folder: Path
    key_hex: str = SANDBOX_AES_KEY
    iv_hex: str = SANDBOX_AES_IV
    contract: str = "0000000"
    backfill_days: int = 0  # also deliver this many days before each subscription's first day (demo)
    skip: set[tuple[str, int]] = field(default_factory=set)
    wrong_key: set[tuple[str, int]] = field(default_factory=set)
    truncate: set[tuple[str, int]] = field(default_factory=set)
    delivered: list[str] = field(default_factory=list)  # file names written, in order
    withheld: dict[str, bytes] = field(default_factory=dict)
    _next: dict[tuple[str, str], int] = field(default_factory=dict)
    _done: set[tuple[str, str, date]] = field(default_factory=set)
    _made: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)  # name -> (flow, seq, zip) for resend
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _write(self, name: str, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.folder / name)  # appears whole, never half-written
        self.delivered.append(name)

    def _one(self, flow: str, meter: MeterProfile, service: dict[str, Any], day: date, created: datetime,
             activated: date | None) -> None:
        stream = str(service["serviceSouscritId"])
        if (flow, stream, day) in self._done:
            return
        self._done.add((flow, stream, day))
        if flow == "R50":
            if meter.curve_needs_activation and (activated is None or day < activated):
                return  # no curve recorded that day: no file
            step = int((service.get("mesuresPas") or f"PT{meter.step_minutes}M").removeprefix("PT").removesuffix("M"))
            xml = r50_xml(meter, day, step_minutes=step, contract=self.contract, subscription=stream, created=created)
            if xml is None:
                return
        else:
            xml = r151_xml(meter, day, contract=self.contract, subscription=stream, created=created)
        seq = self._next.get((flow, stream), 1)
        self._next[(flow, stream)] = seq + 1
        name = f"ENEDIS_{flow}_{stream}_{meter.prm}_{seq:05d}_{day:%Y%m%d}.zip"
        self._made[name] = (flow, seq, archive(name, xml))
        self._emit(name)

    def _emit(self, name: str) -> None:
        flow, seq, zipped = self._made[name]
        key = OTHER_AES_KEY if (flow, seq) in self.wrong_key else self.key_hex
        content = _cipher(key, self.iv_hex)(zipped)
        if (flow, seq) in self.truncate:
            content = content[:-7]
        if (flow, seq) in self.skip:
            self.withheld[name] = content
            return
        self._write(name, content)

    def deliver(self, state: Any) -> list[str]:
        """Write every file due by the sandbox's today (days up to yesterday); the names written."""
        today = state.today
        created = datetime.now(measures.PARIS).replace(microsecond=0)
        with state.lock:
            services = {prm: [dict(s) for s in items] for prm, items in state.services.items()}
            activated = dict(state.curve_activated)
        with self._lock:
            start = len(self.delivered)
            for prm, items in sorted(services.items()):
                meter = profile(prm)
                if meter.segment != "C5" or not meter.consumes:
                    continue  # R50/R151 are the C5 consumers' flows
                for service in items:
                    flow = FLOW_OF_TYPE.get(service["mesuresTypeCode"])
                    if flow is None or not service.get("recurring") or service["etatCode"] != "ACTIF":
                        continue
                    day = service["dateDebut"] - timedelta(days=self.backfill_days)
                    last = min(today - timedelta(days=1), service["dateFin"])
                    while day <= last:
                        self._one(flow, meter, service, day, created, activated.get(prm))
                        day += timedelta(days=1)
            return self.delivered[start:]

    def release_withheld(self) -> list[str]:
        """Deliver the files a `skip` knob held back (a late file)."""
        with self._lock:
            names = sorted(self.withheld)
            for name in names:
                self._write(name, self.withheld.pop(name))
            return names

    def resend(self, name: str) -> None:
        """Deliver a file again, same name and number, under the knobs in force now (Enedis re-sending it)."""
        with self._lock:
            self._emit(name)

    def control(self, state: Any, settings: dict[str, Any]) -> list[str]:
        """The control endpoint's `flows` object: knobs (lists of [flow, seq]), resend (names), deliver,
        release_withheld."""
        with self._lock:
            for knob in ("skip", "wrong_key", "truncate"):
                if knob in settings:
                    setattr(self, knob, {(str(f), int(n)) for f, n in settings[knob]})
        for name in settings.get("resend", []):
            self.resend(str(name))
        written = self.deliver(state) if settings.get("deliver") else []
        return written + (self.release_withheld() if settings.get("release_withheld") else [])

    def start_ticker(self, state: Any, interval_seconds: float) -> Any:
        """Deliver every `interval_seconds` in a daemon thread; returns an object with cancel()."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval_seconds):
                try:
                    self.deliver(state)
                except Exception:  # the sandbox keeps serving; the next tick tries again
                    import logging

                    logging.getLogger(__name__).exception("flow delivery failed")

        threading.Thread(target=loop, name="enedis-flows", daemon=True).start()

        class _Ticker:
            def cancel(self) -> None:
                stop.set()

        return _Ticker()
