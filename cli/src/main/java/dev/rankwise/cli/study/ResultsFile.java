package dev.rankwise.cli.study;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The study's results, one JSON line per finished run, appended and flushed to disk as each run
 * ends, so that an interrupted study resumes where it stopped and never runs a finished cell
 * again. A last line cut short by a crash is ignored (and reported) and cut off by the next append;
 * any other bad line is an error naming it.
 */
public final class ResultsFile {

  private static final Gson GSON = new Gson();

  private final Path file;

  /** The results file at {@code file} (created on the first append). */
  public ResultsFile(Path file) {
    this.file = file;
  }

  /** The file's path. */
  public Path path() {
    return file;
  }

  /**
   * Every finished run by cell id, in file order.
   *
   * @throws IOException naming file and line of a malformed line that is not the last
   */
  public Map<String, RunRecord> read() throws IOException {
    Map<String, RunRecord> runs = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return runs;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        RunRecord run = GSON.fromJson(line, RunRecord.class);
        if (run == null || run.cell() == null || run.metrics() == null) {
          throw new JsonParseException("missing cell or metrics");
        }
        runs.put(run.cell().id(), run);
      } catch (JsonParseException e) {
        if (i == lines.size() - 1) {
          System.err.println(file + ":" + (i + 1) + ": ignoring a last line cut short (" + e.getMessage()
              + "); its cell runs again");
        } else {
          throw new IOException(file + ":" + (i + 1) + ": not a run record: " + e.getMessage(), e);
        }
      }
    }
    return runs;
  }

  /** Appends one finished run and forces it to disk. */
  public void append(RunRecord run) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    byte[] line = (GSON.toJson(run) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      if (channel.size() > 0 && !endsWithNewline(channel)) {
        channel.truncate(lastLineEnd(file)); // drop a line cut short by a crash (read() ignored it)
      }
      channel.position(channel.size());
      channel.write(ByteBuffer.wrap(line));
      channel.force(true);
    }
  }

  /** The length of the file up to and including its last newline (0 if it has none). */
  private static long lastLineEnd(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  private static boolean endsWithNewline(FileChannel channel) throws IOException {
    ByteBuffer last = ByteBuffer.allocate(1);
    channel.read(last, channel.size() - 1);
    return last.get(0) == '\n';
  }

  /** All runs of one experiment. */
  public static List<RunRecord> of(Map<String, RunRecord> runs, String experiment) {
    List<RunRecord> selected = new ArrayList<>();
    runs.values().forEach(run -> {
      if (run.cell().experiment().equals(experiment)) {
        selected.add(run);
      }
    });
    return selected;
  }
}
