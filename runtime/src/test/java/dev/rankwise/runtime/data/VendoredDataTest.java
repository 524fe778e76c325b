package dev.rankwise.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The task data vendored in the repository's {@code data/} folder, against its README. */
class VendoredDataTest {

  /** Rows per label (in declared label order) of each task and split, as data/README.md states. */
  private static final Map<String, int[]> README_COUNTS = new LinkedHashMap<>();

  static {
    README_COUNTS.put("finefood/finefood/train", new int[] {1_400, 2_600});
    README_COUNTS.put("finefood/finefood/test", new int[] {342, 658});
    README_COUNTS.put("reuters/grain/train", new int[] {1_451, 103});
    README_COUNTS.put("reuters/grain/test", new int[] {547, 57});
    README_COUNTS.put("reuters/corn/train", new int[] {1_509, 45});
    README_COUNTS.put("reuters/corn/test", new int[] {580, 24});
    README_COUNTS.put("spam/spam/train", new int[] {3_286, 1_421});
    README_COUNTS.put("spam/spam/test", new int[] {822, 355});
  }

  private static final Pattern CHECKSUM_LINE =
      Pattern.compile("(?m)^([0-9a-f]{64})  ([a-z]+/[a-z]+\\.jsonl)$");

  /** The repository's data folder, found from the working directory up (Maven runs in runtime/). */
  private static Path dataRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("data").resolve("README.md"))) {
        return dir.resolve("data");
      }
    }
    throw new IllegalStateException("no data/README.md above " + Path.of("").toAbsolutePath());
  }

  @Test
  void everyFileMatchesTheReadmeChecksum() throws IOException, NoSuchAlgorithmException {
    Path data = dataRoot();
    Matcher line = CHECKSUM_LINE.matcher(Files.readString(data.resolve("README.md")));
    int files = 0;
    while (line.find()) {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(data.resolve(line.group(2)))) {
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          sha256.update(buffer, 0, n);
        }
      }
      assertEquals(line.group(1), HexFormat.of().formatHex(sha256.digest()), line.group(2));
      files++;
    }
    assertEquals(6, files);
  }

  @Test
  void readmeKeepsEveryLicenceNote() throws IOException {
    String readme = Files.readString(dataRoot().resolve("README.md"));
    for (String note :
        List.of(
            "\"license\": \"PDDL-1.0 AND CC0-1.0\"",
            "Creative Commons Zero v1.0 Universal",
            "Copyright (c) 2016-2026 The Stdlib Authors.",
            "License: MIT",
            "Copyright: 2019 Max Kuhn, RStudio",
            "under the terms of the GNU General Public License",
            "Copyright: (C) 1998-2008  University of Waikato.",
            "*for research purposes only*",
            "\"Reuters-21578, Distribution 1.0\"")) {
      assertTrue(readme.contains(note), note);
    }
  }

  @Test
  void everyTaskLoadsWithTheReadmeCounts() throws IOException {
    List<TaskSet> sets = TaskSet.discover(dataRoot());
    assertEquals(List.of("finefood", "reuters", "spam"), sets.stream().map(TaskSet::name).toList());
    Map<String, int[]> counts = new LinkedHashMap<>();
    // Timings belong in benchmarks (STYLE.md); the time is printed, not asserted.
    long started = System.nanoTime();
    for (TaskSet set : sets) {
      for (TaskDescriptor task : set.tasks()) {
        for (String split : List.of("train", "test")) {
          TaskExamples examples = set.read(task.name(), split);
          assertEquals(0, examples.blankLines());
          assertEquals(0, examples.skippedLines());
          for (Example example : examples.examples()) {
            int codePoints = example.text().codePointCount(0, example.text().length());
            assertTrue(codePoints <= 1_000, set.name() + " " + split + ": " + codePoints);
          }
          counts.put(set.name() + "/" + task.name() + "/" + split, examples.labelCounts());
        }
      }
    }
    System.out.printf(
        "read all vendored task files in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertEquals(README_COUNTS.keySet(), counts.keySet());
    for (Map.Entry<String, int[]> expected : README_COUNTS.entrySet()) {
      assertArrayEquals(expected.getValue(), counts.get(expected.getKey()), expected.getKey());
    }
  }

  @Test
  void splitSizesAreTheReadmeRowCounts() throws IOException {
    Map<String, Integer> rows =
        Map.of(
            "spam/train",
            4_707,
            "spam/test",
            1_177,
            "finefood/train",
            4_000,
            "finefood/test",
            1_000,
            "reuters/train",
            1_554,
            "reuters/test",
            604);
    for (TaskSet set : TaskSet.discover(dataRoot())) {
      TaskDescriptor task = set.tasks().get(0);
      for (String split : set.splits()) {
        assertEquals(
            rows.get(set.name() + "/" + split),
            set.read(task.name(), split).size(),
            set.name() + "/" + split);
      }
    }
  }
}
