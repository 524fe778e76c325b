package dev.rankwise.cli.study;

import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.Placement;
import dev.rankwise.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the tuned grid's results file into its report: the verdicts per claim for each base and
 * placement and pooled over the bases, then for each base and placement the tuning sweep, the
 * learning rate chosen, the steps the final runs took, and the claims' tables ({@link StudyReport}
 * on that group's final runs). A base and placement whose final runs are not all in the file yet is
 * marked interim, in its verdicts, in the pooled ones and in its section.
 */
public final class TunedReport {

  private static final String SQUARE = "decomposed-8x8";
  private static final String EXPERTS = "rank-experts";

  private final Map<String, RunRecord> runs;
  private final int seeds;

  /** A report on the tuned grid's runs (by cell id), whose final runs have seeds {@code 0 .. seeds-1}. */
  public TunedReport(Map<String, RunRecord> runs, int seeds) {
    this.runs = runs;
    this.seeds = seeds;
  }

  /** Writes {@value StudyReport#FILE} into {@code folder} (the grid's) and its charts into {@code folder/charts}. */
  public void write(Path folder, String header) throws IOException {
    Map<String, Map<String, RunRecord>> groups = finalRunsByGroup();
    StringBuilder md = new StringBuilder(header);
    md.append(verdicts(groups));
    for (Map.Entry<String, Map<String, RunRecord>> group : groups.entrySet()) {
      String[] parts = group.getKey().split(" ", 2);
      md.append("## ").append(parts[0]).append(", adapters on ").append(Placement.parse(parts[1]).layers())
          .append("\n\n");
      interim(parts[0], parts[1]).ifPresent(progress -> md.append("**Interim: ").append(progress)
          .append(" done; `./rankwise experiment --grid tuned` runs the rest. Its figures and verdicts will change.**"
              + "\n\n"));
      md.append(tuning(parts[0], parts[1], group.getValue()));
      if (!group.getValue().isEmpty()) {
        md.append(study(group.getValue(), parts[0] + "-" + parts[1] + "-").sections(folder));
      }
    }
    AtomicFiles.write(folder.resolve(StudyReport.FILE), md.toString());
  }

  /**
   * The final runs (not tuning) of each base and placement with any run in the file, keyed "base
   * placement", in grid order; a base and placement still tuning has none.
   */
  private Map<String, Map<String, RunRecord>> finalRunsByGroup() {
    Map<String, Map<String, RunRecord>> groups = new LinkedHashMap<>();
    for (RunRecord run : runs.values()) {
      Cell cell = run.cell();
      if (cell.base() != null) {
        Map<String, RunRecord> finals =
            groups.computeIfAbsent(cell.base() + " " + cell.placement(), key -> new LinkedHashMap<>());
        if (!cell.tuning()) {
          finals.put(cell.id(), run);
        }
      }
    }
    return groups;
  }

  private String verdicts(Map<String, Map<String, RunRecord>> groups) {
    StringBuilder md = new StringBuilder("## Verdicts\n\n"
        + "Paired differences in test accuracy (points, 95 % CI): claim 1, the decomposed a = b = 8 minus LoRA"
        + " r = 8 (same task and seed); claim 2, rank experts minus shared LoRA (mean over the four tasks,"
        + " same seed). \"All bases\" pools the pairs of every base with that placement.\n\n"
        + "| claim | base | placement | difference | pairs | verdict |\n|---|---|---|---:|---:|---|\n");
    Set<String> placements = new LinkedHashSet<>();
    groups.keySet().forEach(key -> placements.add(key.split(" ", 2)[1]));
    for (String claim : List.of(StudyGrid.CLAIM_1, StudyGrid.CLAIM_2)) {
      Function<StudyReport, List<Double>> differences = claim.equals(StudyGrid.CLAIM_1)
          ? report -> report.claim1Differences(SQUARE) : report -> report.claim2Differences(EXPERTS);
      for (String placement : placements) {
        List<Double> pooled = new ArrayList<>();
        int bases = 0;
        boolean anyInterim = false;
        for (Map.Entry<String, Map<String, RunRecord>> group : groups.entrySet()) {
          String[] parts = group.getKey().split(" ", 2);
          if (!parts[1].equals(placement)) {
            continue;
          }
          List<Double> pairs = differences.apply(study(group.getValue(), ""));
          Optional<String> interim = interim(parts[0], placement);
          row(md, claim, parts[0], placement, pairs, interim.map(progress -> "interim, " + progress));
          anyInterim |= interim.isPresent();
          pooled.addAll(pairs);
          bases++;
        }
        if (bases > 1) {
          row(md, claim, "all bases", placement, pooled,
              anyInterim ? Optional.of("interim, a base's final runs not all done") : Optional.empty());
        }
      }
    }
    return md.append('\n').toString();
  }

  /** The first study's report on one base and placement's runs, on the grid's methods, its charts in charts/. */
  private static StudyReport study(Map<String, RunRecord> runs, String chartPrefix) {
    return new StudyReport(runs, "charts", chartPrefix, "###", TunedGrid.CLAIM_1_METHODS, TunedGrid.CLAIM_2_METHODS);
  }

  /**
   * "k of n final runs" when the file lacks some of the final runs the grid plans for this base and
   * placement, empty when it holds them all.
   */
  private Optional<String> interim(String base, String placement) {
    List<Cell> planned = TunedGrid.cells(List.of(base), List.of(Placement.parse(placement)), seeds).stream()
        .filter(cell -> !cell.tuning()).toList();
    long done = planned.stream().filter(cell -> runs.containsKey(cell.id())).count();
    return done == planned.size() ? Optional.empty()
        : Optional.of(done + " of " + planned.size() + " final runs");
  }

  private static void row(StringBuilder md, String claim, String base, String placement, List<Double> pairs,
      Optional<String> interim) {
    md.append("| ").append(claim.equals(StudyGrid.CLAIM_1) ? "1" : "2").append(" | ").append(base).append(" | ")
        .append(placement).append(" | ");
    if (pairs.isEmpty()) {
      md.append("— | 0 | no runs yet |\n");
      return;
    }
    Stats.Summary difference = Stats.of(pairs.stream().mapToDouble(Double::doubleValue).toArray());
    md.append(difference.formatPoints()).append(" | ").append(difference.n()).append(" | ")
        .append(interim.map(text -> text + ": ").orElse("")).append(Stats.verdict(difference)).append(" |\n");
  }

  /** The sweep: each method's mean validation accuracy by rate, the rate chosen, and the final runs' steps. */
  private String tuning(String base, String placement, Map<String, RunRecord> finals) {
    StringBuilder md = new StringBuilder("Tuning (seed " + TunedGrid.TUNING_SEED + "): mean validation accuracy over"
        + " the claim's tasks by learning rate; the best is chosen. Final runs: their seeds, and the optimizer"
        + " steps they took before validation stopped improving (mean).\n\n| claim | method |");
    TunedGrid.LEARNING_RATES.forEach(rate -> md.append(' ').append(Cell.rate(rate)).append(" |"));
    md.append(" chosen | seeds | steps |\n|---|---|").append("---:|".repeat(TunedGrid.LEARNING_RATES.size() + 3))
        .append('\n');
    double seconds = 0;
    for (RunRecord run : runs.values()) {
      if (base.equals(run.cell().base()) && placement.equals(run.cell().placement())) {
        seconds += run.seconds();
      }
    }
    for (String claim : List.of(StudyGrid.CLAIM_1, StudyGrid.CLAIM_2)) {
      boolean single = claim.equals(StudyGrid.CLAIM_1);
      List<List<String>> taskSets = single ? StudyGrid.CLAIM_1_TASKS.stream().map(List::of).toList()
          : List.of(StudyGrid.ALL_TASKS);
      for (String method : single ? TunedGrid.CLAIM_1_METHODS : TunedGrid.CLAIM_2_METHODS) {
        md.append("| ").append(single ? "1" : "2").append(" | ").append(Method.byId(method).label()).append(" |");
        for (double rate : TunedGrid.LEARNING_RATES) {
          double sum = 0;
          int found = 0;
          for (List<String> tasks : taskSets) {
            RunRecord run = runs.get(new Cell(claim, method, tasks, TunedGrid.TUNING_SEED, base, placement, rate).id());
            if (run != null) {
              sum += run.meanAccuracy();
              found++;
            }
          }
          md.append(found == taskSets.size() ? String.format(Locale.ROOT, " %.3f |", sum / found) : " — |");
        }
        Cell any = new Cell(claim, method, taskSets.get(0), 0, base, placement, 0);
        var chosen = TunedGrid.tunedRate(any, runs);
        List<RunRecord> mine = finals.values().stream()
            .filter(run -> run.cell().method().equals(method) && run.cell().experiment().equals(claim)).toList();
        md.append(' ').append(chosen.isPresent() ? Cell.rate(chosen.getAsDouble()) : "—").append(" | ")
            .append(mine.stream().map(run -> run.cell().seed()).distinct().count()).append(" | ")
            .append(mine.isEmpty() ? "—" : String.format(Locale.ROOT, "%.0f",
                mine.stream().mapToInt(RunRecord::steps).average().orElse(Double.NaN)))
            .append(" |\n");
      }
    }
    return md.append(String.format(Locale.ROOT, "%nCompute: %.1f h of training and evaluation for this base and"
        + " placement, tuning included.%n%n", seconds / 3600)).toString();
  }
}
