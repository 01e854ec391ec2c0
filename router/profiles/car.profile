# Car routing profile for the OpenStreetMap loader (router/osm_profile.h).
#
# One line per OSM highway class a car may drive on: the class (the value of the `highway` tag)
# and the speed in km/h used when a way carries no usable `maxspeed`. A way whose class is not
# listed here is not routable (footway, cycleway, path, steps, track, construction, ...).
# Text after '#' is a comment. Speeds are what a delivery van averages on such a road in town
# traffic, not the legal limit, and must lie in 1..300.
#
# The same values are built into the router (default_car_profile()); a test keeps the two equal.

motorway        110
trunk            90
primary          65
secondary        55
tertiary         45
unclassified     35
residential      30
living_street    10
service          15

motorway_link    60
trunk_link       50
primary_link     45
secondary_link   40
tertiary_link    35

road             30   # unknown class, as mappers use it before surveying
