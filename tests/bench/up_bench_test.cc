// `fanlab bench up` drives the batch job's template to serving, next to
// its floor (no timing is asserted: only that both ran and what they made).
#include "bench/up_bench.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace fanlab::bench {
namespace {

using ::testing::HasSubstr;

TEST(UpBench, TheBatchJobTemplateAndItsFloor) {
  UpBenchOptions options;
  options.template_file = (std::filesystem::path(FANLAB_SCENARIOS_DIR) / ".." /
                           "bench" / "templates" / "batch_job.yaml")
                              .lexically_normal()
                              .string();
  options.runs = 2;
  std::string error;
  UpBenchResult r = RunUpBench(options, error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(r.resources, 11u);
  EXPECT_EQ(r.calls, 13u);
  EXPECT_GT(r.median_ms, 0);
  EXPECT_GT(r.floor_median_ms, 0);
  EXPECT_THAT(FormatUpBench(r, true), HasSubstr("\"resources\":11"));
}

TEST(UpBench, ARefusedTemplateIsAnError) {
  UpBenchOptions options;
  options.template_file = "/nonexistent/template.yaml";
  std::string error;
  RunUpBench(options, error);
  EXPECT_EQ(error, "cannot read /nonexistent/template.yaml");
}

}  // namespace
}  // namespace fanlab::bench
