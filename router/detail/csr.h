// The Boost.Graph type behind RoadGraph. Included only by the router's .cpp files.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "router/types.h"

namespace waybill::router::detail {

struct ArcProps {
  Cost cost;
};

using CsrGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, ArcProps,
                                                    boost::no_property, NodeIndex, NodeIndex>;

struct Csr {
  CsrGraph g;
};

}  // namespace waybill::router::detail
