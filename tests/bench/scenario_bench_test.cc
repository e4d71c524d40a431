#include "bench/scenario_bench.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace fanlab::bench {
namespace {

namespace json = boost::json;

ScenarioBenchResult TwoScenarios() {
  ScenarioBenchResult r;
  r.floor_wall_s = 0.001;
  r.scenarios.push_back({.name = "doparallel-10k-concurrent",
                         .file = "bench/scenarios/x.yaml",
                         .passed = true,
                         .wall_s = 2.5,
                         .target_s = 1.0,
                         .rounds = 9513,
                         .served = 62540,
                         .hop_floor_s = 0.75});
  r.scenarios.push_back({.name = "doparallel-10k",
                         .file = "scenarios/doparallel/10k.yaml",
                         .passed = true,
                         .wall_s = 4.7,
                         .target_s = 1.0});
  return r;
}

TEST(ScenarioBenchFormatTest, JsonCarriesEachDeterministicRunsHopFloor) {
  json::object o =
      json::parse(FormatScenarioBench(TwoScenarios(), true)).as_object();
  EXPECT_EQ(o.at("doparallel_10k_concurrent_wall_s").as_double(), 2.5);
  EXPECT_EQ(o.at("doparallel_10k_concurrent_hop_floor_s").as_double(), 0.75);
  EXPECT_FALSE(o.contains("doparallel_10k_hop_floor_s"));  // real time
  const json::array& all = o.at("scenarios").as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(json::value_to<uint64_t>(all[0].at("rounds")), 9513u);
  EXPECT_EQ(json::value_to<uint64_t>(all[0].at("served")), 62540u);
  EXPECT_FALSE(all[1].as_object().contains("hop_floor_s"));
}

TEST(ScenarioBenchFormatTest, TableShowsTheHopFloorOrADash) {
  std::string table = FormatScenarioBench(TwoScenarios(), false);
  EXPECT_NE(table.find("hop floor s"), std::string::npos) << table;
  EXPECT_NE(table.find("0.750  <= 1 s: MISSED"), std::string::npos) << table;
  EXPECT_NE(table.find("-  <= 1 s: MISSED"), std::string::npos) << table;
}

}  // namespace
}  // namespace fanlab::bench
