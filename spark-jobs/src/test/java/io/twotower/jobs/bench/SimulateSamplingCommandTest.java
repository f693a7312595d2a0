package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateSamplingCommandTest {

  @TempDir Path out;

  @Test
  void writesTheLongCsvTheSummaryAndBothPlots() throws Exception {
    int exit =
        new CommandLine(new SimulateSamplingCommand())
            .execute(
                "--out", out.toString(), "--seeds", "1", "--steps", "1600", "--flip-step", "1100");

    assertThat(exit).isZero();
    List<String> curve = Files.readAllLines(out.resolve("error-by-step.csv"));
    assertThat(curve.get(0)).isEqualTo("setting,seed,step,error");
    int settings = SimulationSetting.paperSettings().size();
    assertThat(curve).hasSize(1 + settings * 1600);
    Set<String> names =
        curve.stream().skip(1).map(l -> l.split(",")[0]).collect(Collectors.toSet());
    assertThat(names)
        .contains("alpha=0.01", "alpha=0.2", "m=4", "aggregate (all steps)")
        .hasSize(settings);
    assertThat(curve.get(1)).matches("alpha=0\\.01,1,1,[0-9.E-]+");
    assertThat(Files.readAllLines(out.resolve("summary.csv")))
        .hasSize(1 + settings)
        .first()
        .isEqualTo("setting,seed,plateau_error,steps_to_recover");
    for (String png : List.of("fig4-alpha.png", "fig5-hashes.png")) {
      byte[] bytes = Files.readAllBytes(out.resolve(png));
      assertThat(bytes.length).isGreaterThan(10_000);
      assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("PNG");
    }
  }
}
