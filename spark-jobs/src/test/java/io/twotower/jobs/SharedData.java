package io.twotower.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Data sets that tests read from outside the repository (their licences forbid copying them in). A
 * test that needs one skips, with {@link #MISSING_MOVIELENS}, when it is absent.
 */
public final class SharedData {

  public static final String MISSING_MOVIELENS =
      "MovieLens ml-latest-small not found (looked for shared/data/ml-latest-small in the folders"
          + " above this one, and -Dmovielens.small): skipping. Download it from"
          + " https://grouplens.org/datasets/movielens/";

  private SharedData() {}

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
