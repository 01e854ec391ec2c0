#!/usr/bin/env python3
"""A depot day for `waybill plan`: a batch file and its fleet file.

Depots are random nodes of a DIMACS graph; each depot's deliveries go to random nodes within
--radius-km of it (a depot serves its part of the city), with weights, a share of two-hour
delivery windows inside the shift, and service times at the door. The fleet file gives each
depot vans enough for its parcels and their weight, with a fifth to spare.

  ops/plan_day.py --coords NY.co.gz --jobs 100000 --depots 20 --day 2026-12-07 \
      --batch day.csv --fleet fleet.csv

With --from FILE instead of --coords, the deliveries are those of a coordinate-form batch file of
`waybill gen --osm` (order_id,origin_lat,origin_lon,dest_lat,dest_lon,weight_kg,priority): its
origins are the depots, and the fleet file names them by depot_lat,depot_lon.

The same seed gives the same files.
"""
import argparse
import gzip
import math
import random


def read_coords(path):
    """Node id -> (lon, lat) in degrees, from a DIMACS .co file."""
    opener = gzip.open if path.endswith(".gz") else open
    nodes = {}
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("v "):
                _, node, lon, lat = line.split()
                nodes[int(node)] = (int(lon) / 1e6, int(lat) / 1e6)
    return nodes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--coords", help="DIMACS .co file (plain or gzip)")
    source.add_argument("--from", dest="from_batch", help="a coordinate-form batch of waybill gen")
    p.add_argument("--jobs", type=int, default=100000)
    p.add_argument("--depots", type=int, default=20)
    p.add_argument("--radius-km", type=float, default=6.0)
    p.add_argument("--day", default="2026-12-07", help="the date of the shift (UTC)")
    p.add_argument("--shift", default="08:00-16:00")
    p.add_argument("--windows", type=float, default=0.3, help="share of jobs with a window")
    p.add_argument("--parcels", type=int, default=150, help="a van's capacity in parcels")
    p.add_argument("--kg", type=int, default=1200, help="a van's capacity in kg")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--batch", required=True)
    p.add_argument("--fleet", required=True)
    a = p.parse_args()
    rng = random.Random(a.seed)
    start, end = a.shift.split("-")
    h0, h1 = int(start[:2]), int(end[:2])

    def extras():
        """The columns ready_at,due_at,service_s of one delivery."""
        ready = due = ""
        if rng.random() < a.windows:
            begin = rng.randrange(h0 * 60 + 60, h1 * 60 - 120, 30)  # minutes of the day
            ready = f"{a.day}T{begin // 60:02d}:{begin % 60:02d}:00Z"
            due = f"{a.day}T{(begin + 120) // 60:02d}:{(begin + 120) % 60:02d}:00Z"
        return f"{ready},{due},{rng.randrange(60, 181)}"

    if a.from_batch:
        per_depot = {}
        with open(a.from_batch) as f, open(a.batch, "w") as out:
            header = f.readline().strip()
            if not header.startswith("order_id,origin_lat,origin_lon,dest_lat,dest_lon,weight_kg"):
                raise SystemExit(f"{a.from_batch}: not a coordinate-form batch of waybill gen")
            out.write(header + ",ready_at,due_at,service_s\n")
            for line in f:
                fields = line.strip().split(",")
                count, kg = per_depot.get((fields[1], fields[2]), (0, 0.0))
                per_depot[(fields[1], fields[2])] = (count + 1, kg + float(fields[5] or 0))
                out.write(f"{line.strip()},{extras()}\n")
        with open(a.fleet, "w") as f:
            f.write("depot_lat,depot_lon,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end\n")
            for (lat, lon), (count, kg) in sorted(per_depot.items()):
                vans = math.ceil(max(count / a.parcels, kg / a.kg) * 1.2)
                f.write(f"{lat},{lon},{vans},{a.kg},{a.parcels},{start},{end}\n")
        return

    nodes = read_coords(a.coords)
    ids = sorted(nodes)
    # A grid of cells about 1 km wide, to find the nodes near a depot without a scan per depot.
    cell = 0.01
    grid = {}
    for n in ids:
        lon, lat = nodes[n]
        grid.setdefault((int(lon // cell), int(lat // cell)), []).append(n)

    def near(depot):
        lon0, lat0 = nodes[depot]
        dy = a.radius_km / 111.2
        dx = dy / math.cos(math.radians(lat0))
        out = []
        for cx in range(int((lon0 - dx) // cell), int((lon0 + dx) // cell) + 1):
            for cy in range(int((lat0 - dy) // cell), int((lat0 + dy) // cell) + 1):
                for n in grid.get((cx, cy), ()):
                    lon, lat = nodes[n]
                    if ((lon - lon0) / dx) ** 2 + ((lat - lat0) / dy) ** 2 <= 1 and n != depot:
                        out.append(n)
        return out

    depots, around = [], {}
    while len(depots) < a.depots:
        d = rng.choice(ids)
        if d in around:
            continue
        candidates = near(d)
        if len(candidates) < 1000:  # water or the edge of the map: not a depot's place
            continue
        depots.append(d)
        around[d] = candidates

    per_depot = [a.jobs // a.depots + (1 if i < a.jobs % a.depots else 0) for i in range(a.depots)]
    with open(a.batch, "w") as f:
        f.write("order_id,origin,destination,weight_kg,priority,ready_at,due_at,service_s\n")
        k = 0
        weight = []
        for d, count in zip(depots, per_depot):
            weight.append(0.0)
            for _ in range(count):
                k += 1
                kg = round(rng.uniform(0.2, 15.0), 1)
                weight[-1] += kg
                f.write(f"o{k},{d},{rng.choice(around[d])},{kg},0,{extras()}\n")
    with open(a.fleet, "w") as f:
        f.write("depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end\n")
        for d, count, kg in zip(depots, per_depot, weight):
            vans = math.ceil(max(count / a.parcels, kg / a.kg) * 1.2)
            f.write(f"{d},{vans},{a.kg},{a.parcels},{start},{end}\n")


if __name__ == "__main__":
    main()
