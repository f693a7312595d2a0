package io.twotower.jobs.bench;

import io.twotower.jobs.bench.BenchSoakCommand.Day;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.ToLongFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** bench-soak's figure as a PNG (XChart, headless): heap after GC, RSS and peak RSS by day. */
final class SoakPlot {

  private SoakPlot() {}

  static void write(HadoopFiles files, DataLocation png, List<Day> days) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(500)
            .title("Memory of the soak's JVM after each daily run")
            .xAxisTitle("day")
            .yAxisTitle("MB")
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    add(chart, days, "peak RSS of the day", Day::peakRssBytes);
    add(chart, days, "RSS after the day's GC", Day::rssBytes);
    add(chart, days, "heap after full GC", Day::heapAfterGcBytes);
    try (OutputStream out = files.create(png)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
  }

  private static void add(XYChart chart, List<Day> days, String name, ToLongFunction<Day> bytes) {
    double[] xs = new double[days.size()];
    double[] ys = new double[days.size()];
    for (int i = 0; i < days.size(); i++) {
      xs[i] = i + 1;
      ys[i] = bytes.applyAsLong(days.get(i)) / 1e6;
    }
    chart.addSeries(name, xs, ys);
  }
}
