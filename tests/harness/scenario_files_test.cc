// Finding scenario files (harness/scenario_files.h): folders searched
// recursively for .yaml, .yml and .json (not *.schema.json), sorted; files
// named directly taken as they are; a path that does not exist refused.
#include "harness/scenario_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fanlab::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class HarnessScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::path(::testing::TempDir()) /
        ("harness-files-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    for (const char* f :
         {"b.yaml", "a.yml", "notes.txt", "scenario.schema.json", "sub/c.json",
          "sub/deeper/d.yaml", "sub/deeper/other.schema.json", "sub/e.YAML.bak",
          "z/x.yaml", "app/template.yaml", "app/package.json",
          "app/package-lock.json", "app/samconfig.toml", "app/samconfig.yaml",
          "app/node_modules/m/package.json", "app/node_modules/m/x.yaml",
          "app/.aws-sam/build/template.yaml", "app/scenarios/run.yaml",
          "app/data/body.json"}) {
      fs::path p = root_ / f;
      fs::create_directories(p.parent_path());
      std::ofstream(p) << "name: x\n";
    }
    fs::create_directories(root_ / "empty");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string P(const std::string& relative) const {
    return (root_ / relative).string();
  }

  fs::path root_;
};

TEST_F(HarnessScenarioFiles, FoldersAreSearchedRecursivelyAndSorted) {
  std::string error;
  EXPECT_THAT(
      ScenarioFiles({root_.string()}, error),
      ElementsAre(P("a.yml"), P("app/scenarios/run.yaml"), P("b.yaml"),
                  P("sub/c.json"), P("sub/deeper/d.yaml"), P("z/x.yaml")));
  EXPECT_EQ(error, "");
}

TEST_F(HarnessScenarioFiles,
       AProjectsTemplateAndManifestsAreNamedOnlyDirectly) {
  std::string error;
  EXPECT_THAT(ScenarioFiles({P("app")}, error),
              ElementsAre(P("app/scenarios/run.yaml")));
  EXPECT_THAT(ScenarioFiles({P("app/template.yaml")}, error),
              ElementsAre(P("app/template.yaml")));
  EXPECT_EQ(error, "");
}

TEST_F(HarnessScenarioFiles, FilesNamedAreTakenAsTheyAreInTheirOrder) {
  std::string error;
  EXPECT_THAT(
      ScenarioFiles({P("z/x.yaml"), P("notes.txt"), P("sub/deeper")}, error),
      ElementsAre(P("z/x.yaml"), P("notes.txt"), P("sub/deeper/d.yaml")));
  EXPECT_EQ(error, "");
}

TEST_F(HarnessScenarioFiles, AnEmptyFolderHasNoFiles) {
  std::string error;
  EXPECT_THAT(ScenarioFiles({P("empty")}, error), IsEmpty());
  EXPECT_EQ(error, "");
}

TEST_F(HarnessScenarioFiles, AMissingPathIsAnError) {
  std::string error;
  EXPECT_THAT(ScenarioFiles({P("a.yml"), P("nope")}, error), IsEmpty());
  EXPECT_EQ(error, P("nope") + ": no such file or folder");
}

}  // namespace
}  // namespace fanlab::harness
