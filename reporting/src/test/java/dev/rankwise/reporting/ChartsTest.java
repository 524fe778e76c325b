package dev.rankwise.reporting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Draws each chart headless into a temporary directory and checks every input it rejects. */
class ChartsTest {

  @TempDir Path dir;

  @Test
  void lossCurvesDrawsAChart() throws IOException {
    Path png = dir.resolve("loss.png");
    Charts.lossCurves(png, "Training loss", losses(), 5);
    assertChart(png);
  }

  @Test
  void groupedBarsDrawsAChart() throws IOException {
    Path png = dir.resolve("bars.png");
    Charts.groupedBars(png, "Accuracy per task", "accuracy", scores());
    assertChart(png);
  }

  @Test
  void expertSelectionDrawsAChart() throws IOException {
    Path png = dir.resolve("experts.png");
    Charts.expertSelection(png, "Expert selection", shares(), 4);
    assertChart(png);
  }

  @Test
  void ratioBarsDrawsAChartAndRefusesBadRatios() throws IOException {
    Path png = dir.resolve("ratios.png");
    Map<String, Double> ratios = new java.util.LinkedHashMap<>();
    ratios.put("training step", 0.88);
    ratios.put("unmerged ÷ base", 1.04);
    Charts.ratioBars(png, "ours ÷ reference", ratios, Map.of("training step", 0.9));
    assertChart(png);
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> Charts.ratioBars(png, "t", Map.of("step", Double.NaN), Map.of()));
    assertTrue(nan.getMessage().contains("ratio of \"step\""), nan.getMessage());
    IllegalArgumentException stray = assertThrows(IllegalArgumentException.class,
        () -> Charts.ratioBars(png, "t", ratios, Map.of("memory", 1.05)));
    assertTrue(stray.getMessage().contains("[memory]"), stray.getMessage());
  }

  @Test
  void chartsAreDrawnHeadless() throws IOException {
    Charts.expertSelection(dir.resolve("experts.png"), "Expert selection", shares(), 4);
    assertEquals("true", System.getProperty("java.awt.headless"));
  }

  @Test
  void aChartReplacesItsFileAndLeavesNoTemporaryFile() throws IOException {
    Path png = dir.resolve("loss.png");
    Files.writeString(png, "not a png");
    Charts.lossCurves(png, "Training loss", losses(), 1);
    assertChart(png);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(png), files.toList());
    }
  }

  @Test
  void aChartCreatesItsDirectory() throws IOException {
    Path png = dir.resolve("report/charts/bars.png");
    Charts.groupedBars(png, "Accuracy per task", "accuracy", scores());
    assertChart(png);
  }

  @Test
  void movingAverageIsTrailing() {
    assertEquals(
        List.of(1.0, 1.5, 2.5, 3.5), Charts.movingAverage(List.of(1.0, 2.0, 3.0, 4.0), 2));
  }

  @Test
  void movingAverageOfOneStepIsTheRawData() {
    List<Double> raw = List.of(3.0, -1.0, 4.0, 1.5);
    assertEquals(raw, Charts.movingAverage(raw, 1));
  }

  @Test
  void movingAverageLongerThanTheDataAveragesEverythingSoFar() {
    assertEquals(List.of(2.0, 3.0, 4.0), Charts.movingAverage(List.of(2.0, 4.0, 6.0), 10));
  }

  @Test
  void smoothingChangesThePlottedCurves() throws IOException {
    Path raw = dir.resolve("raw.png");
    Path smoothed = dir.resolve("smoothed.png");
    Charts.lossCurves(raw, "Training loss", losses(), 1);
    Charts.lossCurves(smoothed, "Training loss", losses(), 20);
    assertFalse(
        Arrays.equals(pixels(read(raw)), pixels(read(smoothed))),
        "a window of 20 steps should draw other curves than the raw losses");
  }

  @Test
  void lossCurvesRejectsAWindowBelowOne() {
    assertRejected(
        "window must be >= 1, got 0",
        png -> Charts.lossCurves(png, "Training loss", losses(), 0));
  }

  @Test
  void lossCurvesRejectsNoMethods() {
    assertRejected("lossByMethod is empty", png -> Charts.lossCurves(png, "t", Map.of(), 1));
  }

  @Test
  void lossCurvesRejectsAMethodWithoutLosses() {
    Map<String, List<Double>> losses = losses();
    losses.put("empty", List.of());
    assertRejected(
        "method \"empty\" has no losses", png -> Charts.lossCurves(png, "t", losses, 1));
  }

  @Test
  void lossCurvesRejectsNaNNamingMethodAndStep() {
    Map<String, List<Double>> losses = losses();
    List<Double> lora = new ArrayList<>(losses.get("lora"));
    lora.set(6, Double.NaN);
    losses.put("lora", lora);
    assertRejected(
        "loss of method \"lora\" at step 7 is not finite: NaN",
        png -> Charts.lossCurves(png, "t", losses, 3));
  }

  @Test
  void lossCurvesRejectsAnInfiniteLoss() {
    Map<String, List<Double>> losses = new LinkedHashMap<>();
    losses.put("experts", List.of(1.0, Double.POSITIVE_INFINITY));
    assertRejected(
        "loss of method \"experts\" at step 2 is not finite: Infinity",
        png -> Charts.lossCurves(png, "t", losses, 1));
  }

  @Test
  void groupedBarsRejectsNoMethods() {
    assertRejected(
        "valueByMethodThenTask is empty", png -> Charts.groupedBars(png, "t", "f1", Map.of()));
  }

  @Test
  void groupedBarsRejectsAMethodWithoutTasks() {
    assertRejected(
        "tasks of method \"lora\" is empty",
        png -> Charts.groupedBars(png, "t", "f1", Map.of("lora", Map.of())));
  }

  @Test
  void groupedBarsRejectsMethodsWithOtherTasks() {
    Map<String, Map<String, Double>> scores = scores();
    scores.put("partial", Map.of("north", 0.5));
    assertRejected(
        "method \"partial\" has tasks [north] but method \"lora\" has [north, east, diagonal]",
        png -> Charts.groupedBars(png, "t", "f1", scores));
  }

  @Test
  void groupedBarsRejectsAValueAboveOne() {
    Map<String, Map<String, Double>> scores = scores();
    scores.get("experts").put("east", 1.25);
    assertRejected(
        "value of method \"experts\" on task \"east\" is outside [0, 1]: 1.25",
        png -> Charts.groupedBars(png, "t", "f1", scores));
  }

  @Test
  void groupedBarsRejectsANonFiniteValue() {
    Map<String, Map<String, Double>> scores = scores();
    scores.get("lora").put("diagonal", Double.NaN);
    assertRejected(
        "value of method \"lora\" on task \"diagonal\" is not finite: NaN",
        png -> Charts.groupedBars(png, "t", "f1", scores));
  }

  @Test
  void expertSelectionRejectsNoTasks() {
    assertRejected(
        "shareByTask is empty", png -> Charts.expertSelection(png, "t", Map.of(), 4));
  }

  @Test
  void expertSelectionRejectsNoExperts() {
    assertRejected(
        "experts must be >= 1, got 0", png -> Charts.expertSelection(png, "t", shares(), 0));
  }

  @Test
  void expertSelectionRejectsAnArrayOfTheWrongLength() {
    Map<String, double[]> shares = shares();
    shares.put("east", new double[] {0.5, 0.5, 1.0});
    assertRejected(
        "task \"east\" has 3 shares, expected one per expert (4)",
        png -> Charts.expertSelection(png, "t", shares, 4));
  }

  @Test
  void expertSelectionRejectsAShareOutsideZeroToOne() {
    Map<String, double[]> shares = shares();
    shares.get("north")[2] = -0.1;
    assertRejected(
        "share of task \"north\" for expert 2 is outside [0, 1]: -0.1",
        png -> Charts.expertSelection(png, "t", shares, 4));
  }

  @Test
  void expertSelectionRejectsANonFiniteShare() {
    Map<String, double[]> shares = shares();
    shares.get("diagonal")[0] = Double.NaN;
    assertRejected(
        "share of task \"diagonal\" for expert 0 is not finite: NaN",
        png -> Charts.expertSelection(png, "t", shares, 4));
  }

  /** Noisy decaying losses of two methods over 120 steps. */
  private static Map<String, List<Double>> losses() {
    Map<String, List<Double>> losses = new LinkedHashMap<>();
    for (String method : List.of("lora", "experts")) {
      double rate = method.equals("lora") ? 0.02 : 0.035;
      List<Double> curve = new ArrayList<>();
      for (int step = 0; step < 120; step++) {
        curve.add(2.0 * Math.exp(-rate * step) + 0.3 * Math.sin(step * 1.7) * Math.sin(step));
      }
      losses.put(method, curve);
    }
    return losses;
  }

  private static Map<String, Map<String, Double>> scores() {
    Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
    scores.put("lora", tasks(0.71, 0.64, 0.58));
    scores.put("decomposed", tasks(0.83, 0.79, 0.70));
    scores.put("experts", tasks(0.97, 0.91, 1.0));
    return scores;
  }

  private static Map<String, Double> tasks(double north, double east, double diagonal) {
    Map<String, Double> byTask = new LinkedHashMap<>();
    byTask.put("north", north);
    byTask.put("east", east);
    byTask.put("diagonal", diagonal);
    return byTask;
  }

  private static Map<String, double[]> shares() {
    Map<String, double[]> shares = new LinkedHashMap<>();
    shares.put("north", new double[] {1.0, 0.75, 0.25, 0.0});
    shares.put("east", new double[] {0.0, 0.5, 0.5, 1.0});
    shares.put("diagonal", new double[] {0.5, 0.25, 1.0, 0.25});
    return shares;
  }

  /** A chart that only writes to a file. */
  private interface Drawing {
    void draw(Path png) throws IOException;
  }

  private void assertRejected(String message, Drawing drawing) {
    Path png = dir.resolve("rejected.png");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> drawing.draw(png));
    assertEquals(message, e.getMessage());
    assertFalse(Files.exists(png), "a rejected chart should write no file");
  }

  private static void assertChart(Path png) throws IOException {
    BufferedImage image = read(png);
    assertEquals(Charts.WIDTH, image.getWidth());
    assertEquals(Charts.HEIGHT, image.getHeight());
    assertEquals(0xFFFFFF, image.getRGB(0, 0) & 0xFFFFFF, "the background should be white");
    Set<Integer> colours = new HashSet<>();
    for (int rgb : pixels(image)) {
      colours.add(rgb & 0xFFFFFF);
    }
    assertTrue(colours.size() > 10, "only " + colours.size() + " colours in " + png);
  }

  private static BufferedImage read(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, png + " is not an image");
    return image;
  }

  private static int[] pixels(BufferedImage image) {
    return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
  }
}
