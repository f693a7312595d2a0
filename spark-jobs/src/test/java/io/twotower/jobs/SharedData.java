package io.twotower.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Data sets that tests read from outside the repository (their licences forbid copying them in). A
 * test that needs one gets it from {@link #requireMlLatestSmall()}: skipped, with {@link
 * #MISSING_MOVIELENS}, when it is absent on a developer's machine, failed when it is absent under
 * CI.
 */
public final class SharedData {

  public static final String MISSING_MOVIELENS =
      "MovieLens ml-latest-small not found (looked for shared/data/ml-latest-small in the folders"
          + " above this one, and -Dmovielens.small). Download it from"
          + " https://grouplens.org/datasets/movielens/";

  private SharedData() {}

  /**
   * ml-latest-small for a test that needs it. Absent, the test fails when the environment variable
   * CI is true (CI provides ../shared/data, so a missing folder there is a broken checkout, and a
   * skip would hide that the MovieLens tests, the README's headline among them, never ran), and is
   * skipped elsewhere.
   */
  public static Path requireMlLatestSmall() {
    return require(mlLatestSmall(), Boolean.parseBoolean(System.getenv("CI")));
  }

  /** {@link #requireMlLatestSmall()}'s rule, with the folder looked up and the CI flag read. */
  static Path require(Optional<Path> folder, boolean ci) {
    if (folder.isPresent()) {
      return folder.get();
    }
    if (ci) {
      return Assertions.fail(
          MISSING_MOVIELENS + ". Failing: CI=true, and CI always provides ../shared/data.");
    }
    return Assumptions.abort(MISSING_MOVIELENS + ". Skipping: CI is not set to true.");
  }

  /** ml-latest-small from -Dmovielens.small, else shared/data/ml-latest-small above this folder. */
  public static Optional<Path> mlLatestSmall() {
    String property = System.getProperty("movielens.small");
    if (property != null) {
      return Optional.of(Path.of(property)).filter(Files::isDirectory);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data/ml-latest-small");
      if (Files.isRegularFile(candidate.resolve("ratings.csv"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The repository's root folder (tests run in a module folder or in the root). */
  public static Path repositoryRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("spark-jobs")) ? here : here.getParent();
  }
}
