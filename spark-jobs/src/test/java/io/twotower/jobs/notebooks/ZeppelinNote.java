package io.twotower.jobs.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Zeppelin 0.11 note ({@code .zpln}: the note's JSON as Zeppelin stores it) read for running: its
 * name and its paragraphs in order, each with the interpreter its first line names.
 */
record ZeppelinNote(Path file, String name, List<ZeppelinNote.Paragraph> paragraphs) {

  /**
   * One paragraph: {@code interpreter} is its first line without the % ("spark", "spark.sql",
   * "md"), {@code code} the lines after it, {@code json} the paragraph as stored (config, results).
   */
  record Paragraph(String title, String interpreter, String code, JsonNode json) {

    /** The chart Zeppelin draws the first result with ({@code config.results.0.graph}). */
    JsonNode graph() {
      return json.path("config").path("results").path("0").path("graph");
    }

    String label() {
      return title.isEmpty() ? json.path("id").asText() : title;
    }
  }

  static ZeppelinNote read(Path file) throws IOException {
    JsonNode note = new ObjectMapper().readTree(file.toFile());
    List<Paragraph> paragraphs = new ArrayList<>();
    for (JsonNode paragraph : note.path("paragraphs")) {
      String text = paragraph.path("text").asText();
      int newline = text.indexOf('\n');
      String first = newline < 0 ? text : text.substring(0, newline);
      if (!first.startsWith("%")) {
        throw new IllegalArgumentException(
            file + ": a paragraph must name its interpreter on its first line: " + first);
      }
      paragraphs.add(
          new Paragraph(
              paragraph.path("title").asText(""),
              first.substring(1).trim(),
              newline < 0 ? "" : text.substring(newline + 1),
              paragraph));
    }
    return new ZeppelinNote(file, note.path("name").asText(), List.copyOf(paragraphs));
  }
}
