package dev.rankwise.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.train.TaskMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results file resumes a study: finished runs read back, a line cut short by a crash is dropped. */
class ResultsFileTest {

  private static RunRecord run(String method, long seed, double accuracy) {
    Cell cell = new Cell(StudyGrid.CLAIM_2, method, StudyGrid.ALL_TASKS, seed);
    return new RunRecord(cell, 100, 75, 0.2, 30,
        Map.of("spam", new TaskMetrics("spam", 0.1, accuracy, accuracy, accuracy)));
  }

  @Test
  void finishedRunsReadBackByCellId(@TempDir Path folder) throws IOException {
    ResultsFile results = new ResultsFile(folder.resolve("study/results.jsonl"));
    assertTrue(results.read().isEmpty());
    results.append(run("shared-lora", 0, 0.9));
    results.append(run("rank-experts", 0, 0.95));
    Map<String, RunRecord> runs = results.read();
    assertEquals(List.of("claim2/shared-lora/spam+finefood+grain+corn/seed=0",
        "claim2/rank-experts/spam+finefood+grain+corn/seed=0"), List.copyOf(runs.keySet()));
    assertEquals(0.95, runs.get("claim2/rank-experts/spam+finefood+grain+corn/seed=0").meanAccuracy(), 0);
  }

  @Test
  void aLastLineCutShortIsDroppedAndTheNextRunStartsOnANewLine(@TempDir Path folder) throws IOException {
    ResultsFile results = new ResultsFile(folder.resolve("results.jsonl"));
    results.append(run("shared-lora", 0, 0.9));
    Files.writeString(results.path(), "{\"cell\":{\"experiment\":\"claim2\",\"meth", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    assertEquals(1, results.read().size(), "the torn line is ignored: its cell runs again");
    results.append(run("shared-lora", 1, 0.8));
    assertEquals(2, results.read().size());
    assertEquals(2, Files.readAllLines(results.path()).size(), "the torn line is gone, not buried");
  }

  @Test
  void aBadLineInTheMiddleIsAnErrorNamingIt(@TempDir Path folder) throws IOException {
    ResultsFile results = new ResultsFile(folder.resolve("results.jsonl"));
    Files.writeString(results.path(), "not json\n", StandardCharsets.UTF_8);
    results.append(run("shared-lora", 0, 0.9));
    IOException error = assertThrows(IOException.class, results::read);
    assertTrue(error.getMessage().contains("results.jsonl:1: not a run record"), error.getMessage());
  }

  @Test
  void theGridRunsSeedBySeedAndEveryMethodExists() {
    List<Cell> cells = StudyGrid.cells(5);
    assertEquals(5 * (3 * 4 + 4 + 5), cells.size());
    assertEquals(21, cells.stream().filter(cell -> cell.seed() == 0).count());
    assertTrue(cells.subList(0, 21).stream().allMatch(cell -> cell.seed() == 0), "seeds are the outer loop");
    cells.forEach(cell -> dev.rankwise.cli.job.Method.byId(cell.method()).forTasks(cell.tasks()));
    assertEquals(cells.size(), cells.stream().map(Cell::id).distinct().count());
  }
}
