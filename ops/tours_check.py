#!/usr/bin/env python3
"""Checks a plan that `waybill solve` wrote (VROOM's output format) against its CVRPLIB .vrp or
Solomon .txt instance, with its own arithmetic, not the planner's: every customer served once,
no tour over capacity, for Solomon every service started inside its window and every van back
before the depot closes; the cost recomputed with the set's convention (CVRPLIB: Euclidean
rounded to the nearest integer; Solomon: truncated to one decimal).
Prints one line: 'cost GAP_PCT served/customers valid' or 'INVALID why'.
usage: tours_check.py INSTANCE PLAN.json BKS"""
import json, math, sys


def read_vrp(path):
    coords, demand, cap, depot, sec = {}, {}, None, 1, None
    for raw in open(path):
        line = raw.strip()
        if not line:
            continue
        key = line.split(':')[0].strip().upper()
        if key == 'CAPACITY':
            cap = int(line.split(':')[1]); continue
        if key.endswith('_SECTION'):
            sec = key; continue
        if key == 'EOF':
            break
        if ':' in line or sec is None:
            continue
        f = line.split()
        if sec == 'NODE_COORD_SECTION': coords[int(f[0])] = (float(f[1]), float(f[2]))
        elif sec == 'DEMAND_SECTION': demand[int(f[0])] = int(f[1])
        elif sec == 'DEPOT_SECTION' and int(f[0]) > 0: depot = int(f[0])
    d = lambda a, b: int(math.hypot(coords[a][0] - coords[b][0], coords[a][1] - coords[b][1]) + 0.5)
    return dict(coords=coords, demand=demand, cap=cap, depot=depot, dist=d, windows=None, scale=1)


def read_solomon(path):
    lines = [l.split() for l in open(path)]
    cap = None
    rows = {}
    for i, f in enumerate(lines):
        if f and f[0] == 'NUMBER':
            cap = int(lines[i + 1][1])
        if len(f) == 7 and all(x.replace('.', '', 1).isdigit() for x in f):
            rows[int(f[0])] = tuple(float(x) for x in f[1:])
    coords = {k: (v[0], v[1]) for k, v in rows.items()}
    # tenths, truncated: as the set's best-known values are computed
    d = lambda a, b: int(10 * math.hypot(coords[a][0] - coords[b][0], coords[a][1] - coords[b][1]))
    windows = {k: (10 * v[3], 10 * v[4], 10 * v[5]) for k, v in rows.items()}
    return dict(coords=coords, demand={k: int(v[2]) for k, v in rows.items()}, cap=cap, depot=0,
                dist=d, windows=windows, scale=10)


def main():
    inst_path, plan_path, bks = sys.argv[1], sys.argv[2], float(sys.argv[3])
    inst = read_vrp(inst_path) if inst_path.endswith('.vrp') else read_solomon(inst_path)
    try:
        plan = json.load(open(plan_path))
    except Exception as e:
        print(f'INVALID unreadable plan: {e}'); return 1
    depot, d, win = inst['depot'], inst['dist'], inst['windows']
    seen, cost = {}, 0
    for r in plan.get('routes', []):
        stops = [s['id'] for s in r.get('steps', []) if s.get('type') == 'job']
        if not stops:
            continue
        for j in stops:
            if j not in inst['coords'] or j == depot:
                print(f'INVALID unknown job id {j}'); return 1
            seen[j] = seen.get(j, 0) + 1
        load = sum(inst['demand'][j] for j in stops)
        if load > inst['cap']:
            print(f'INVALID vehicle {r.get("vehicle")} carries {load} > {inst["cap"]}'); return 1
        seq = [depot] + stops + [depot]
        cost += sum(d(a, b) for a, b in zip(seq, seq[1:]))
        if win:
            t = win[depot][0]
            for a, b in zip(seq, seq[1:]):
                t = max(t + (win[a][2] if a != depot else 0) + d(a, b), win[b][0])
                if t > win[b][1] + 1e-9:
                    print(f'INVALID vehicle {r.get("vehicle")} starts {b} at {t / 10} after {win[b][1] / 10}'); return 1
    customers = [n for n in inst['coords'] if n != depot]
    twice = [n for n, k in seen.items() if k > 1]
    if twice:
        print(f'INVALID {len(twice)} customers served twice'); return 1
    served = sum(1 for n in customers if seen.get(n))
    if not win and served < len(customers):
        print(f'INVALID {len(customers) - served} customers unserved'); return 1
    value = cost / inst['scale']
    print(f'{value:g} {100 * (value - bks) / bks:.3f} {served}/{len(customers)} valid')
    return 0


sys.exit(main())
