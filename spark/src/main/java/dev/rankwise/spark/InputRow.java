package dev.rankwise.spark;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.rankwise.runtime.data.TaskExamples;
import dev.rankwise.runtime.data.TaskSet;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Job input made from the real test splits: the same rows for the equality test, the benchmark and
 * the single-process predictions they are compared with.
 *
 * @param id the row's position in the input
 * @param task the task's name
 * @param text the text to label
 */
public record InputRow(long id, String task, String text) {

  /**
   * A seeded subset of at most {@code perTask} test rows of each task, the tasks interleaved in a
   * seeded random order (as a real input mixes them), numbered from 0.
   */
  public static List<InputRow> fromTestSplits(Path dataRoot, List<String> tasks, int perTask, long seed)
      throws IOException {
    List<TaskSet> sets = TaskSet.discover(dataRoot);
    List<String[]> pairs = new ArrayList<>();
    for (String task : tasks) {
      TaskExamples test = TaskSet.declaring(sets, task, dataRoot).read(task, "test").sample(perTask, seed);
      test.texts().forEach(text -> pairs.add(new String[] {task, text}));
    }
    Collections.shuffle(pairs, new Random(seed));
    List<InputRow> rows = new ArrayList<>();
    for (String[] pair : pairs) {
      rows.add(new InputRow(rows.size(), pair[0], pair[1]));
    }
    return rows;
  }

  /** Writes rows as the job reads them: one {"id", "task", "text"} JSON object per line. */
  public static void write(Path file, List<InputRow> rows) throws IOException {
    Gson gson = new Gson();
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (InputRow row : rows) {
        JsonObject object = new JsonObject();
        object.addProperty("id", row.id());
        object.addProperty("task", row.task());
        object.addProperty("text", row.text());
        out.write(gson.toJson(object));
        out.newLine();
      }
    }
  }

  /** The texts of one task, in row order. */
  public static List<String> textsOf(List<InputRow> rows, String task) {
    return rows.stream().filter(row -> row.task().equals(task)).map(InputRow::text).toList();
  }
}
