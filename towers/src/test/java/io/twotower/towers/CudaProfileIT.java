package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code -Pcuda} build resolves, and swaps the backend rather than adding one: its dependency
 * graph holds ND4J's CUDA 11.6 backend with the linux-x86_64 natives and neither nd4j-native nor
 * OpenBLAS, while the default build holds the CPU backend and no CUDA.
 *
 * <p>There is no GPU on the build machines, so nothing here loads the backend. The graph is
 * collected with {@code dependency:collect}, which resolves POMs only: the CUDA backend's ~600 MB
 * jar is never downloaded, so the check costs seconds on every CI run. A nested Maven runs it on
 * this module's POM, because the outer build's own profile set is fixed when it starts.
 */
class CudaProfileIT {

  private static final String CUDA_NATIVES = "org.nd4j:nd4j-cuda-11.6:jar:linux-x86_64:1.0.0-M2.1";
  private static final String CUDA_BACKEND = "org.nd4j:nd4j-cuda-11.6:jar:1.0.0-M2.1";

  @Test
  void cudaProfileResolvesToTheCudaBackendOnly() throws Exception {
    List<String> graph = collect("cuda");

    assertThat(graph).contains(CUDA_BACKEND, CUDA_NATIVES);
    assertThat(graph)
        .as("-Pcuda must replace the CPU backend, not add to it")
        .noneMatch(a -> a.startsWith("org.nd4j:nd4j-native:") || a.contains(":openblas:"));
  }

  @Test
  void defaultBuildResolvesToTheCpuBackendOnly() throws Exception {
    List<String> graph = collect(null);

    assertThat(graph).contains("org.nd4j:nd4j-native:jar:linux-x86_64:1.0.0-M2.1");
    assertThat(graph).noneMatch(a -> a.contains("nd4j-cuda"));
  }

  /**
   * groupId:artifactId:type[:classifier]:version of every dependency of towers under the profile.
   */
  private static List<String> collect(String profile) throws IOException, InterruptedException {
    Path out =
        Path.of("target", "dependencies-" + (profile == null ? "default" : profile) + ".txt");
    Files.deleteIfExists(out);
    List<String> command = new ArrayList<>();
    command.add(mavenExecutable());
    command.add("-B");
    command.add("-f");
    command.add(Path.of("pom.xml").toAbsolutePath().toString());
    if (profile != null) {
      command.add("-P" + profile);
    }
    String localRepository = System.getProperty("maven.repo.local", "");
    if (!localRepository.isBlank()) {
      command.add("-Dmaven.repo.local=" + localRepository);
    }
    command.add(
        "org.apache.maven.plugins:maven-dependency-plugin:"
            + System.getProperty("maven-dependency-plugin.version", "3.8.1")
            + ":collect");
    command.add("-DoutputFile=" + out.toAbsolutePath());
    Path log =
        Path.of("target", "dependencies-" + (profile == null ? "default" : profile) + ".log");
    Process maven =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(maven.waitFor(5, TimeUnit.MINUTES)).as("mvn finished within 5 minutes").isTrue();
    assertThat(maven.exitValue())
        .as("%s failed; its output: %s", String.join(" ", command), log.toAbsolutePath())
        .isZero();
    // Lines look like "   org.nd4j:nd4j-api:jar:1.0.0-M2.1:compile" (the scope last).
    return Files.readAllLines(out, StandardCharsets.UTF_8).stream()
        .map(String::strip)
        .filter(line -> line.chars().filter(c -> c == ':').count() >= 4)
        .map(line -> line.substring(0, line.lastIndexOf(':')))
        .toList();
  }

  /** The Maven running this build ({@code maven.home}, set by the POM), else mvn on the PATH. */
  private static String mavenExecutable() {
    String home = System.getProperty("maven.home", "");
    return home.isBlank() ? "mvn" : Path.of(home, "bin", "mvn").toString();
  }
}
