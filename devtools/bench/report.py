"""Results of `make bench` as rows (figure, baseline, ratio, target, met) and Markdown."""

import datetime as dt
import os
import platform
from dataclasses import dataclass, field


@dataclass
class Row:
    measure: str
    figure: str
    baseline: str = "–"
    ratio: str = "–"
    target: str = "–"
    met: bool | None = None  # None: informational, no target
    note: str = ""

    @property
    def met_text(self) -> str:
        return {True: "yes", False: "**no**", None: "–"}[self.met]


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: str = ""  # preformatted (e.g. an EXPLAIN plan)


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf")


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    load = ""
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return {
        "cores (nproc)": str(os.cpu_count() or "?"),
        "memory": memory,
        "CPU": cpu,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "load average at start (1/5/15 min)": load,
    }


def table(rows: list[Row]) -> str:
    header = "| Measure | Figure | Baseline | Ratio | Target | Met |\n|---|---:|---:|---:|---|---|\n"
    lines = []
    for row in rows:
        measure = row.measure + (f" ({row.note})" if row.note else "")
        lines.append(
            f"| {measure} | {row.figure} | {row.baseline} | {row.ratio} | {row.target} | {row.met_text} |"
        )
    return header + "\n".join(lines) + "\n"


def text_table(rows: list[Row]) -> str:
    """The same table for a terminal."""
    cells = [("Measure", "Figure", "Baseline", "Ratio", "Target", "Met")]
    for row in rows:
        met = {True: "yes", False: "NO", None: "-"}[row.met]
        cells.append((row.measure, row.figure, row.baseline, row.ratio, row.target, met))
    widths = [min(60, max(len(c[i]) for c in cells)) for i in range(6)]
    out = []
    for index, line in enumerate(cells):
        out.append("  ".join(cell[:60].ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def markdown(
    *,
    sections: list[Section],
    command: str,
    started: dt.datetime,
    elapsed_s: float,
    machine_info: dict[str, str],
    setup: list[str],
    preamble: str = "",
) -> str:
    parts = ["# Benchmarks\n"]
    if preamble:
        parts.append(preamble.strip() + "\n")
    parts.append(
        f"Produced by `{command}` on {started:%Y-%m-%d} at {started:%H:%M} UTC, "
        f"in {elapsed_s / 60:.1f} minutes. Every figure is compared with a baseline measured "
        "in the same run on the same machine, so the noise of a shared machine cancels.\n"
    )
    parts.append("## Machine\n")
    parts.append("\n".join(f"- {k}: {v}" for k, v in machine_info.items()) + "\n")
    if setup:
        parts.append("## Set-up\n")
        parts.append("\n".join(f"- {line}" for line in setup) + "\n")
    everything = [row for section in sections for row in section.rows]
    missed = [row for row in everything if row.met is False]
    parts.append("## Summary\n")
    parts.append(
        f"{sum(1 for r in everything if r.met)} of {sum(1 for r in everything if r.met is not None)} "
        f"targets met." + (f" Missed: {', '.join(r.measure for r in missed)}." if missed else "") + "\n"
    )
    for section in sections:
        parts.append(section_markdown(section))
    return "\n".join(parts)


def section_markdown(section: Section, *, level: int = 2) -> str:
    """One section: its heading, table, notes and details."""
    parts = [f"{'#' * level} {section.title}\n", table(section.rows)]
    for note in section.notes:
        parts.append(note.strip() + "\n")
    if section.details:
        parts.append("```\n" + section.details.rstrip() + "\n```\n")
    return "\n".join(parts)


def fragment(
    *,
    heading: str,
    sections: list[Section],
    command: str,
    started: dt.datetime,
    elapsed_s: float,
    machine_info: dict[str, str],
) -> str:
    """Part of docs/benchmarks.md for a run of some phases only (``manage.py bench --only``):
    a heading, when and how it ran, the machine, and each section one level down."""
    parts = [f"## {heading}\n"]
    parts.append(
        f"Produced by `{command}` on {started:%Y-%m-%d} at {started:%H:%M} UTC, in "
        f"{elapsed_s:.0f} s. Machine: " + "; ".join(f"{k}: {v}" for k, v in machine_info.items()) + ".\n"
    )
    for section in sections:
        parts.append(section_markdown(section, level=3))
    return "\n".join(parts)
