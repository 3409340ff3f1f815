"""Derive the demo monitoring calibration from real residue-monitoring data.

Reads the UK PRiF brand-name annexes (2016 – Q2 2022, sample level, each detected residue
with its MRL) and writes `nongan/monitoring/data/calibration.json`: per Chinese product
category (蔬菜, 水果, 谷物, and 全部 pooled) the share of samples with a residue, the number
of residues in a positive sample, the residue/MRL ratio (quantiles of its log10, separately
for residues within and above their limit), the share of samples over a limit, the share of
those whose limit sat at the limit of determination (no authorised use), and a month index.

Only fresh, unprocessed plant products are used (a farm-gate sample in Shanghai is fresh
produce); processed foods, animal products, fish and drinks are left out. The demo seed
(`nongan.monitoring.demo`) reads the JSON; the product never reads ../shared at run time.

    .venv/bin/python bench/calibrate_monitoring.py [--data PATH] [--out PATH] [--date YYYY-MM-DD]
"""

import argparse
import csv
import datetime as dt
import json
import math
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "uk_prif_pesticide_residues_2016_2022.csv"
OUT = ROOT / "nongan" / "monitoring" / "data" / "calibration.json"

# UK commodity labels (after dropping a trailing GB / NI / BNA) → GB 2763 top category.
# Labels vary between the yearly files (Potato / Potatoes): every variant is listed.
CATEGORIES = {
    "蔬菜": [
        "Asparagus", "Aubergine", "Beans", "Beans with pods", "Beans with Pods", "Broccoli",
        "Cabbage", "Carrots", "Cauliflower", "Chillies", "Chinese Cabbage", "ChineseCabbage",
        "Courgette", "Cucumber", "Leeks", "Lettuce", "Okra", "Onions", "Parsnip", "Peas",
        "Peas (without pods)", "Peas with Pods", "Peas without pods", "Pepper", "Peppers",
        "Potato", "Potatoes", "Pumpkin & Squash", "Spinach", "Spring Greens",
        "SprGreens&Kale", "Springonions", "Sweet Potatoes", "Tomato", "Tomatoes", "SpecVeg",
        "Speciality Vegetables", "SpecialityVeg"],
    "水果": [
        "Apple", "Apples", "Apricots", "Avocado", "Banana", "Berries", "Berries Small Fruit",
        "Berries and small fruits", "Cherry", "Grapefruit", "Grapes", "Kiwi", "Kiwi Fruit",
        "KiwiFruit", "Lemon", "Lemons", "Lemon&Limes", "Mango", "Melon", "Oranges",
        "Peach&Nect", "Peach & Nectarines", "PeachesNectarines", "Pears", "Pineapple",
        "Plums", "Raspberries", "Raspberry", "Soft Citrus", "SoftCitrus", "Strawberries",
        "Strawberry", "SpecFruit"],
    "谷物": ["Barley", "Oats", "Rice", "Rye", "RyeGrain", "Wheat"],
}
POOLED = "全部"
UK_ORIGINS = {"UK", "England (UK)", "Scotland (UK)", "Wales (UK)", "Northern Ireland (UK)"}
# Quantile levels stored for the log10 ratios: the tails are cut at 1 % and 99 % so one odd
# sample does not set the demo's extremes.
LEVELS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
MAX_RESIDUES = 10  # "10" stands for 10 or more
MONTH_PRIOR = 60  # pseudo-samples pulling a thin month's rate to the category's rate
FEW = 40  # fewer values than this: the category uses the pooled quantiles


def base_label(commodity: str) -> str:
    return re.sub(r"\s+(GB|NI|GB Only|BNA)$", "", commodity.strip())


def number(text: str) -> float | None:
    """`0.03`, `3.24†` (a limit adjusted for processing) → float; blank or N/A → None."""
    try:
        return float(text.strip().rstrip("†").strip())
    except ValueError:
        return None


def quantiles(values: list[float]) -> list[list[float]] | None:
    if not values:
        return None
    values = sorted(values)
    out = []
    for p in LEVELS:
        x = p * (len(values) - 1)
        low = math.floor(x)
        high = min(low + 1, len(values) - 1)
        q = values[low] + (values[high] - values[low]) * (x - low)
        out.append([p, round(q, 4)])
    return out


def read_samples(path: Path) -> tuple[dict, int]:
    """One entry per sample (source file + sample id), with its detected residues."""
    category = {label: cat for cat, labels in CATEGORIES.items() for label in labels}
    samples, rows = {}, 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            key = (row["source_file"], row["sample_id"])
            sample = samples.setdefault(key, {
                "category": category.get(base_label(row["commodity"])),
                "month": int(row["date_of_sampling"][5:7]),
                "date": row["date_of_sampling"],
                "uk": row["country_of_origin"].strip() in UK_ORIGINS,
                "residues": [], "rows": 0})
            sample["rows"] += 1
            residue = number(row["residue_mg_kg"])
            if row["residues_none_detected"] == "1" or residue is None:
                continue
            sample["residues"].append({
                "residue": residue, "mrl": number(row["mrl_mg_kg"]),
                "at_lod": row["mrl_at_lod_flag"] == "1", "exceeds": row["exceeds_mrl"] == "1"})
    return samples, rows


def summarise(samples: list[dict], pooled: dict | None = None) -> dict:
    positive = [s for s in samples if s["residues"]]
    exceeding = [s for s in samples if any(r["exceeds"] for r in s["residues"])]
    at_lod = [s for s in exceeding if any(r["exceeds"] and r["at_lod"] for r in s["residues"])]
    counts = Counter(min(len(s["residues"]), MAX_RESIDUES) for s in positive)
    residues = [r for s in samples for r in s["residues"]]
    within = [math.log10(r["residue"] / r["mrl"]) for r in residues
              if r["mrl"] and r["residue"] > 0 and not r["exceeds"]]
    above = [math.log10(r["residue"] / r["mrl"]) for r in residues
             if r["mrl"] and r["residue"] > 0 and r["exceeds"] and r["residue"] > r["mrl"]]
    lod_levels = [math.log10(r["residue"]) for r in residues
                  if r["residue"] > 0 and r["exceeds"] and r["at_lod"]]
    levels = [math.log10(r["residue"]) for r in residues if r["residue"] > 0]
    rate = len(positive) / len(samples)
    by_month = Counter(s["month"] for s in samples)
    positive_by_month = Counter(s["month"] for s in positive)
    month_index = [round((positive_by_month[m] + MONTH_PRIOR * rate)
                         / (by_month[m] + MONTH_PRIOR) / rate, 3) for m in range(1, 13)]

    def q(values, key):
        if len(values) < FEW and pooled is not None:
            return pooled[key]
        return quantiles(values)

    return {
        "samples": len(samples),
        "uk_grown_share": round(sum(s["uk"] for s in samples) / len(samples), 4),
        "detect_rate": round(rate, 4),
        "exceed_rate": round(len(exceeding) / len(samples), 4),
        "exceed_rate_if_detected": round(len(exceeding) / len(positive), 4),
        "lod_limit_share_of_exceeding": round(len(at_lod) / len(exceeding), 4)
        if exceeding else 0.0,
        "residues_per_positive": {str(k): round(counts[k] / len(positive), 4)
                                  for k in range(1, MAX_RESIDUES + 1)},
        "residues": len(residues),
        "log10_ratio_within": q(within, "log10_ratio_within"),
        "log10_ratio_above": q(above, "log10_ratio_above"),
        "log10_residue_mg_kg": q(levels, "log10_residue_mg_kg"),
        "log10_residue_lod_exceeding_mg_kg": q(lod_levels, "log10_residue_lod_exceeding_mg_kg"),
        "month_detect_index": month_index,
        "samples_by_month": [by_month[m] for m in range(1, 13)],
    }


def exceed_month_index(samples: list[dict]) -> list[float]:
    """Month index of the share of samples over a limit (pooled: the events are rarer)."""
    rate = sum(any(r["exceeds"] for r in s["residues"]) for s in samples) / len(samples)
    n, k = Counter(), Counter()
    for s in samples:
        n[s["month"]] += 1
        k[s["month"]] += any(r["exceeds"] for r in s["residues"])
    prior = 4 * MONTH_PRIOR
    return [round((k[m] + prior * rate) / (n[m] + prior) / rate, 3) for m in range(1, 13)]


def calibrate(path: Path, derived_on: dt.date) -> dict:
    samples, rows = read_samples(path)
    used = [s for s in samples.values() if s["category"]]
    pooled = summarise(used)
    categories = {cat: summarise([s for s in used if s["category"] == cat], pooled)
                  for cat in CATEGORIES}
    categories[POOLED] = pooled
    dates = sorted(s["date"] for s in used)
    return {
        "source": {
            "dataset": "UK Expert Committee on Pesticide Residues in Food (PRiF), "
                       "brand-name annexes 2016 – Q2 2022",
            "file": path.name,
            "licence": "Open Government Licence v3.0 (Crown copyright)",
            "attribution": "Contains public sector information licensed under the Open "
                           "Government Licence v3.0.",
            "rows_read": rows,
            "samples_read": len(samples),
            "samples_used": len(used),
            "rows_used": sum(s["rows"] for s in used),
            "sampled_from": dates[0],
            "sampled_to": dates[-1],
            "derived_on": derived_on.isoformat(),
            "script": "bench/calibrate_monitoring.py",
            "note": "Fresh plant products only, every origin; exceedance by plain comparison "
                    "of residue and MRL (exceeds_mrl), without measurement uncertainty.",
        },
        "commodities": CATEGORIES,
        "quantile_levels": LEVELS,
        "month_exceed_index": exceed_month_index(used),
        "categories": categories,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    result = calibrate(args.data, args.date)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    source = result["source"]
    print(f"{args.out}: {source['samples_used']} of {source['samples_read']} samples "
          f"({source['rows_used']} rows)")
    for cat, c in result["categories"].items():
        print(f"  {cat}: {c['samples']} samples, residue in {c['detect_rate']:.1%}, "
              f"over a limit {c['exceed_rate']:.2%}")


if __name__ == "__main__":
    main()
