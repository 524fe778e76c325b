package dev.rankwise.benchmarks;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs a measurement in a process of its own — a JVM or the Python reference — whose standard
 * output ends with one JSON object; its standard error goes to a log file, whose end is quoted when
 * the process fails.
 */
public final class JsonProcess {

  private JsonProcess() {}

  /**
   * Runs {@code command} with {@code environment} added, and returns the JSON object on the last
   * line of its standard output.
   *
   * @throws IOException if the process fails, or prints no JSON object; the message quotes its log
   */
  public static JsonObject run(List<String> command, Map<String, String> environment, Path log)
      throws IOException, InterruptedException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = process.waitFor();
    List<String> lines = out.lines().filter(line -> !line.isBlank()).toList();
    if (exit != 0 || lines.isEmpty()) {
      throw new IOException("`" + shown(command) + "` failed (exit " + exit + "):\n" + tail(log));
    }
    try {
      return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IOException("`" + shown(command) + "` did not end its output with a JSON object: "
          + lines.get(lines.size() - 1), e);
    }
  }

  /** The command for messages, a class path shortened. */
  private static String shown(List<String> command) {
    return String.join(" ", command.stream().map(part -> part.length() > 200 ? "<class path>" : part).toList());
  }

  /** The last lines of a log, for messages. */
  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
