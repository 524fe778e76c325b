package dev.rankwise.cli.soak;

import dev.rankwise.reporting.MemorySample;
import com.google.gson.GsonBuilder;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.reporting.Machine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verdict and table of a soak run: memory is flat when, between the first sample after warm-up
 * (a tenth of the run) and the last, the resident set grew by less than 5 % (and 64 MiB), the heap
 * in use by less than 16 MiB, and the live NDArrays not at all.
 *
 * @param command the command that ran it
 * @param samples the samples in step order
 */
public record SoakReport(String command, List<MemorySample> samples) {

  private static final double MIB = 1024.0 * 1024;

  /** The first sample after warm-up. */
  MemorySample warm() {
    int step = samples.get(samples.size() - 1).step() / 10;
    return samples.stream().filter(sample -> sample.step() >= step).findFirst().orElseThrow();
  }

  /** The last sample. */
  MemorySample last() {
    return samples.get(samples.size() - 1);
  }

  /** Growth of the resident set from warm to last, in bytes. */
  long residentGrowth() {
    return last().residentBytes() - warm().residentBytes();
  }

  /** Whether resident set, heap and live arrays stayed flat. */
  public boolean flat() {
    boolean resident = warm().residentBytes() < 0
        || (residentGrowth() < 0.05 * warm().residentBytes() && residentGrowth() < 64 * MIB);
    boolean heap = last().heapBytes() - warm().heapBytes() < 16 * MIB;
    return resident && heap && last().liveArrays() <= warm().liveArrays();
  }

  /** One line: steps, growth of each figure, verdict. */
  public String summary() {
    return String.format(Locale.ROOT, "%d steps in %.0f s: resident set %.0f → %.0f MiB (%+.1f MiB), heap %.0f → %.0f MiB,"
        + " live NDArrays %d → %d, from step %d to %d: %s",
        last().step(), last().seconds(), warm().residentBytes() / MIB, last().residentBytes() / MIB,
        residentGrowth() / MIB, warm().heapBytes() / MIB, last().heapBytes() / MIB,
        warm().liveArrays(), last().liveArrays(), warm().step(), last().step(), flat() ? "FLAT" : "GROWING");
  }

  /** Writes {@code soak.md} and {@code soak.json} into {@code folder}; returns the Markdown file. */
  public Path write(Path folder) throws IOException {
    StringBuilder md = new StringBuilder("# Soak run\n\n");
    md.append("Command: `").append(command).append("`  \n");
    md.append("Machine: ").append(Machine.describe()).append("\n\n");
    md.append("**").append(summary()).append("**\n\n");
    md.append("| step | seconds | resident MiB | heap MiB | live NDArrays | loss |\n|---:|---:|---:|---:|---:|---:|\n");
    for (MemorySample sample : samples) {
      md.append(String.format(Locale.ROOT, "| %d | %.0f | %.1f | %.1f | %d | %.4f |%n", sample.step(), sample.seconds(),
          sample.residentBytes() / MIB, sample.heapBytes() / MIB, sample.liveArrays(), sample.loss()));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("command", command);
    json.put("machine", Machine.describe());
    json.put("flat", flat());
    json.put("summary", summary());
    json.put("samples", samples);
    AtomicFiles.write(folder.resolve("soak.json"),
        new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    Path file = folder.resolve("soak.md");
    AtomicFiles.write(file, md.toString());
    return file;
  }
}
