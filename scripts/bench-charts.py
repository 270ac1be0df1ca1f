#!/usr/bin/env python3
"""Draws BENCHMARKS.md's scale charts (SVG, no library) from scale_bench's CSV output.

  ./build/bench/scale_bench lists --max 1000000 --csv bench/results/lists.csv
  ./build/bench/scale_bench soak --events 1000000 --csv bench/results/soak.csv
  python3 scripts/bench-charts.py bench/results/lists.csv bench/results/soak.csv docs/bench
"""
import csv
import math
import os
import sys

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf", "#393b79"]
W, H, LEFT, RIGHT, TOP, BOTTOM = 860, 420, 70, 250, 40, 50


def svg_open(title):
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
            f'font-family="sans-serif" font-size="12">',
            f'<rect width="{W}" height="{H}" fill="white"/>',
            f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{title}</text>']


def axes(out, xticks, yticks, xlabel, ylabel):
    x0, x1, y0, y1 = LEFT, W - RIGHT, H - BOTTOM, TOP
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="black"/>')
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="black"/>')
    for x, label in xticks:
        out.append(f'<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" stroke="#ddd"/>')
        out.append(f'<text x="{x}" y="{y0 + 16}" text-anchor="middle">{label}</text>')
    for y, label in yticks:
        out.append(f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4}" text-anchor="end">{label}</text>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{H - 12}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="16" y="{(y0 + y1) / 2}" transform="rotate(-90 16 {(y0 + y1) / 2})" '
               f'text-anchor="middle">{ylabel}</text>')


def lists_chart(path, out_path):
    series = {}
    for row in csv.DictReader(open(path)):
        # RSS, and the in-process pages (microseconds: BENCHMARKS.md's table has them).
        if row["list"] in ("rss_mib", "sqs queue messages", "stomp history"):
            continue
        series.setdefault(row["list"], []).append((int(row["stored"]), float(row["front_ms"]),
                                                   float(row["deep_ms"])))
    sizes = sorted({s for points in series.values() for s, _, _ in points})
    ymax = max(max(f, d) for points in series.values() for _, f, d in points)
    ymax = math.ceil(ymax * 1.15 * 10) / 10
    lo, hi = math.log10(sizes[0]), math.log10(sizes[-1])

    def px(size):
        return LEFT + (math.log10(size) - lo) / max(hi - lo, 1e-9) * (W - RIGHT - LEFT)

    def py(ms):
        return H - BOTTOM - ms / ymax * (H - BOTTOM - TOP)

    out = svg_open("One page (25) of each list over HTTP against what the server holds")
    axes(out, [(px(s), f"{s:,}") for s in sizes],
         [(py(ymax * i / 5), f"{ymax * i / 5:.2f}") for i in range(6)],
         "entries stored (log scale)", "ms per page (solid: first page, dashed: middle)")
    for i, (name, points) in enumerate(sorted(series.items())):
        color = COLORS[i % len(COLORS)]
        front = " ".join(f"{px(s):.1f},{py(f):.1f}" for s, f, _ in points)
        deep = " ".join(f"{px(s):.1f},{py(d):.1f}" for s, _, d in points)
        out.append(f'<polyline points="{front}" fill="none" stroke="{color}" stroke-width="2"/>')
        out.append(f'<polyline points="{deep}" fill="none" stroke="{color}" stroke-width="1.5" '
                   f'stroke-dasharray="5,4"/>')
        ly = TOP + 10 + i * 20
        out.append(f'<line x1="{W - RIGHT + 15}" y1="{ly}" x2="{W - RIGHT + 40}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{W - RIGHT + 46}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    open(out_path, "w").write("\n".join(out) + "\n")


def soak_chart(path, out_path):
    rows = [(int(r["events"]), float(r["rss_mib"])) for r in csv.DictReader(open(path))]
    xmax = rows[-1][0]
    ymax = math.ceil(max(r for _, r in rows) * 1.15 / 50) * 50

    def px(events):
        return LEFT + events / xmax * (W - RIGHT - LEFT)

    def py(mib):
        return H - BOTTOM - mib / ymax * (H - BOTTOM - TOP)

    out = svg_open("The soak at default settings: RSS as events go through webhook, SQS and STOMP")
    axes(out, [(px(xmax * i / 5), f"{int(xmax * i / 5):,}") for i in range(6)],
         [(py(ymax * i / 5), f"{ymax * i / 5:.0f}") for i in range(6)], "events fired", "RSS, MiB")
    half = xmax / 2
    out.append(f'<rect x="{px(half):.1f}" y="{TOP}" width="{px(xmax) - px(half):.1f}" '
               f'height="{H - BOTTOM - TOP}" fill="#2ca02c" opacity="0.07"/>')
    out.append(f'<text x="{px(half) + 6:.1f}" y="{TOP + 14}" fill="#2ca02c">second half</text>')
    points = " ".join(f"{px(e):.1f},{py(r):.1f}" for e, r in rows)
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    out.append("</svg>")
    open(out_path, "w").write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    lists_csv, soak_csv, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    lists_chart(lists_csv, os.path.join(out_dir, "scale-lists.svg"))
    soak_chart(soak_csv, os.path.join(out_dir, "soak-rss.svg"))


if __name__ == "__main__":
    main()
