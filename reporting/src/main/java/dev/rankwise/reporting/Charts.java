package dev.rankwise.reporting;

import dev.rankwise.runtime.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.Stroke;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG charts of the samples' results, drawn with JFreeChart without a display: loss curves,
 * grouped bars of per-task scores, a heat map of expert selection and bars of ratios to a reference.
 *
 * <p>Every chart is {@value #WIDTH}x{@value #HEIGHT} pixels on a white background with
 * anti-aliased text, and is written atomically: drawn to a temporary file in the target's
 * directory, then moved over the target.
 */
public final class Charts {

  /** Width in pixels of every chart. */
  public static final int WIDTH = 1000;

  /** Height in pixels of every chart. */
  public static final int HEIGHT = 560;

  // Before any AWT class is loaded: java.awt.Color, for one, asks whether the JVM is headless.
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Colour-blind-friendly series colours (Okabe-Ito), readable on white. */
  private static final Paint[] SERIES_PAINTS = {
    new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
    new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0x999999),
  };

  /** Fonts, colours and painters shared by every chart. */
  private static final StandardChartTheme THEME = theme();

  /** Lightest and darkest colours of the heat map's scale, for shares 0 and 1. */
  private static final Color SHARE_ZERO = new Color(0xF7FBFF);

  private static final Color SHARE_ONE = new Color(0x08306B);

  /** Tick unit of the axes from 0 to 1. */
  private static final NumberTickUnit TENTHS = new NumberTickUnit(0.1, twoDecimals());

  /** Room above 1 on the bar chart's value axis, for the value label of a bar at 1. */
  private static final double LABEL_HEADROOM = 0.08;

  private Charts() {}

  /**
   * Draws one loss curve per method against the optimizer step.
   *
   * @param png the file to write; its directory is created if missing
   * @param title the chart's title
   * @param lossByMethod each method's loss at steps 1, 2, ...; the legend follows the map's order
   * @param window the number of steps of the trailing moving average each curve is smoothed by; 1
   *     plots the raw losses
   * @throws IllegalArgumentException if the map is empty, a method has no losses, a loss is not
   *     finite or {@code window < 1}
   * @throws IOException if the file cannot be written
   */
  public static void lossCurves(
      Path png, String title, Map<String, List<Double>> lossByMethod, int window)
      throws IOException {
    Objects.requireNonNull(png, "png");
    requireNonEmpty(lossByMethod, "lossByMethod");
    requireWindow(window);
    XYSeriesCollection dataset = new XYSeriesCollection();
    for (Map.Entry<String, List<Double>> method : lossByMethod.entrySet()) {
      List<Double> losses = method.getValue();
      if (losses == null || losses.isEmpty()) {
        throw new IllegalArgumentException("method \"" + method.getKey() + "\" has no losses");
      }
      for (int i = 0; i < losses.size(); i++) {
        Double loss = losses.get(i);
        if (loss == null || !Double.isFinite(loss)) {
          throw new IllegalArgumentException(
              "loss of method \"" + method.getKey() + "\" at step " + (i + 1)
                  + " is not finite: " + loss);
        }
      }
      XYSeries series = new XYSeries(method.getKey(), false, false);
      List<Double> smoothed = movingAverage(losses, window);
      for (int i = 0; i < smoothed.size(); i++) {
        series.add(i + 1, smoothed.get(i));
      }
      dataset.addSeries(series);
    }

    String lossLabel = window == 1 ? "loss" : "loss (moving average of " + window + " steps)";
    JFreeChart chart =
        styled(
            ChartFactory.createXYLineChart(
                title, "step", lossLabel, dataset, PlotOrientation.VERTICAL, true, false, false));
    XYPlot plot = chart.getXYPlot();
    ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    save(png, chart);
  }

  /**
   * Draws one bar per method for each task, on a value axis from 0 to 1 with each bar's value on
   * top (the axis leaves a little room above 1 for the labels).
   *
   * @param png the file to write; its directory is created if missing
   * @param title the chart's title
   * @param valueLabel the value axis' label, such as "accuracy"
   * @param valueByMethodThenTask each method's value per task, each in [0, 1]; the legend follows
   *     the methods' order and the tasks follow the first method's order. Every method must have
   *     a value for exactly the first method's tasks.
   * @throws IllegalArgumentException if a map is empty, the methods' tasks differ or a value is
   *     not finite or outside [0, 1]
   * @throws IOException if the file cannot be written
   */
  public static void groupedBars(
      Path png,
      String title,
      String valueLabel,
      Map<String, Map<String, Double>> valueByMethodThenTask)
      throws IOException {
    Objects.requireNonNull(png, "png");
    requireNonEmpty(valueByMethodThenTask, "valueByMethodThenTask");
    Map.Entry<String, Map<String, Double>> first =
        valueByMethodThenTask.entrySet().iterator().next();
    requireNonEmpty(first.getValue(), "tasks of method \"" + first.getKey() + "\"");
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    for (Map.Entry<String, Map<String, Double>> method : valueByMethodThenTask.entrySet()) {
      Map<String, Double> byTask = method.getValue();
      if (byTask == null || !byTask.keySet().equals(first.getValue().keySet())) {
        throw new IllegalArgumentException(
            "method \"" + method.getKey() + "\" has tasks "
                + (byTask == null ? null : byTask.keySet()) + " but method \"" + first.getKey()
                + "\" has " + first.getValue().keySet());
      }
      for (String task : first.getValue().keySet()) {
        Double value = byTask.get(task);
        requireShare(value, "value of method \"" + method.getKey() + "\" on task \"" + task + "\"");
        dataset.addValue(value, method.getKey(), task);
      }
    }

    JFreeChart chart =
        styled(
            ChartFactory.createBarChart(
                title, "task", valueLabel, dataset, PlotOrientation.VERTICAL, true, false, false));
    CategoryPlot plot = chart.getCategoryPlot();
    // Ticks from 0 to 1, and headroom above 1 for the label of a bar at 1.
    NumberAxis valueAxis = (NumberAxis) plot.getRangeAxis();
    valueAxis.setRange(0.0, 1.0 + LABEL_HEADROOM);
    valueAxis.setTickUnit(TENTHS);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setItemMargin(0.05);
    renderer.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2}", twoDecimals()));
    renderer.setDefaultItemLabelFont(THEME.getSmallFont());
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultPositiveItemLabelPosition(
        new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));
    save(png, chart);
  }

  /**
   * Draws one horizontal bar per figure: its ratio to a reference (such as our time over
   * PyTorch's), with a line at 1 (parity) and each figure's target, where it has one, as a second
   * bar.
   *
   * @param png the file to write; its directory is created if missing
   * @param title the chart's title
   * @param ratioByFigure each figure's ratio, finite and at least 0; rows follow the map's order
   * @param targetByFigure the targets of some of those figures
   * @throws IllegalArgumentException if the map is empty, a ratio is not finite or negative, or a
   *     target names no figure
   * @throws IOException if the file cannot be written
   */
  public static void ratioBars(
      Path png, String title, Map<String, Double> ratioByFigure, Map<String, Double> targetByFigure)
      throws IOException {
    Objects.requireNonNull(png, "png");
    requireNonEmpty(ratioByFigure, "ratioByFigure");
    if (!ratioByFigure.keySet().containsAll(targetByFigure.keySet())) {
      throw new IllegalArgumentException("targets " + targetByFigure.keySet() + " name figures not in "
          + ratioByFigure.keySet());
    }
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    for (Map.Entry<String, Double> figure : ratioByFigure.entrySet()) {
      Double ratio = figure.getValue();
      if (ratio == null || !Double.isFinite(ratio) || ratio < 0) {
        throw new IllegalArgumentException("ratio of \"" + figure.getKey() + "\" must be finite and >= 0, got "
            + ratio);
      }
      dataset.addValue(ratio, "measured", figure.getKey());
      dataset.addValue(targetByFigure.get(figure.getKey()), "target", figure.getKey());
    }
    JFreeChart chart = styled(ChartFactory.createBarChart(
        title, null, "ratio", dataset, PlotOrientation.HORIZONTAL, true, false, false));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.45f);
    plot.addRangeMarker(new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1.5f)));
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setItemMargin(0.0);
    renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", twoDecimals()));
    renderer.setDefaultItemLabelFont(THEME.getSmallFont());
    renderer.setDefaultItemLabelsVisible(true);
    save(png, chart);
  }

  /**
   * Draws one line with markers per series through its (x, y) points, in the points' order, such
   * as latency against throughput for each batching strategy of a load test.
   *
   * @param png the file to write; its directory is created if missing
   * @param title the chart's title
   * @param xLabel the horizontal axis' label
   * @param yLabel the vertical axis' label
   * @param pointsBySeries each series' points as {x, y}; the legend follows the map's order
   * @throws IllegalArgumentException if the map is empty, a series has no points, or a point is
   *     not two finite numbers
   * @throws IOException if the file cannot be written
   */
  public static void lines(Path png, String title, String xLabel, String yLabel,
      Map<String, List<double[]>> pointsBySeries) throws IOException {
    Objects.requireNonNull(png, "png");
    requireNonEmpty(pointsBySeries, "pointsBySeries");
    XYSeriesCollection dataset = new XYSeriesCollection();
    for (Map.Entry<String, List<double[]>> entry : pointsBySeries.entrySet()) {
      if (entry.getValue() == null || entry.getValue().isEmpty()) {
        throw new IllegalArgumentException("series \"" + entry.getKey() + "\" has no points");
      }
      XYSeries series = new XYSeries(entry.getKey(), false, true);
      for (double[] point : entry.getValue()) {
        if (point.length != 2 || !Double.isFinite(point[0]) || !Double.isFinite(point[1])) {
          throw new IllegalArgumentException("a point of series \"" + entry.getKey() + "\" must be two finite"
              + " numbers, got " + java.util.Arrays.toString(point));
        }
        series.add(point[0], point[1]);
      }
      dataset.addSeries(series);
    }
    JFreeChart chart = styled(ChartFactory.createXYLineChart(
        title, xLabel, yLabel, dataset, PlotOrientation.VERTICAL, true, false, false));
    org.jfree.chart.renderer.xy.XYLineAndShapeRenderer renderer =
        new org.jfree.chart.renderer.xy.XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < dataset.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, SERIES_PAINTS[i % SERIES_PAINTS.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    chart.getXYPlot().setRenderer(renderer);
    save(png, chart);
  }

  /**
   * Draws a heat map of expert selection: one row per task, one column per expert, each cell
   * shaded and labelled by the share of the adapted layers in which the task selected the expert.
   *
   * @param png the file to write; its directory is created if missing
   * @param title the chart's title
   * @param shareByTask each task's share per expert, each in [0, 1]; rows follow the map's order
   *     from the top
   * @param experts the number of experts, the length of every array
   * @throws IllegalArgumentException if the map is empty, {@code experts < 1}, an array's length
   *     is not {@code experts} or a share is not finite or outside [0, 1]
   * @throws IOException if the file cannot be written
   */
  public static void expertSelection(
      Path png, String title, Map<String, double[]> shareByTask, int experts) throws IOException {
    Objects.requireNonNull(png, "png");
    requireNonEmpty(shareByTask, "shareByTask");
    if (experts < 1) {
      throw new IllegalArgumentException("experts must be >= 1, got " + experts);
    }
    int cells = shareByTask.size() * experts;
    double[][] xyz = new double[3][cells];
    List<String> tasks = new ArrayList<>(shareByTask.keySet());
    for (int row = 0; row < tasks.size(); row++) {
      String task = tasks.get(row);
      double[] shares = shareByTask.get(task);
      if (shares == null || shares.length != experts) {
        throw new IllegalArgumentException(
            "task \"" + task + "\" has " + (shares == null ? "no" : shares.length)
                + " shares, expected one per expert (" + experts + ")");
      }
      for (int expert = 0; expert < experts; expert++) {
        requireShare(shares[expert], "share of task \"" + task + "\" for expert " + expert);
        int cell = row * experts + expert;
        xyz[0][cell] = expert;
        xyz[1][cell] = row;
        xyz[2][cell] = shares[expert];
      }
    }
    DefaultXYZDataset dataset = new DefaultXYZDataset();
    dataset.addSeries("share", xyz);

    NumberAxis expertAxis = new NumberAxis("expert");
    expertAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    expertAxis.setRange(-0.5, experts - 0.5);
    SymbolAxis taskAxis = new SymbolAxis("task", tasks.toArray(new String[0]));
    taskAxis.setInverted(true);
    taskAxis.setRange(-0.5, tasks.size() - 0.5);
    LookupPaintScale scale = shareScale();
    XYBlockRenderer renderer = new XYBlockRenderer();
    renderer.setPaintScale(scale);
    XYPlot plot = new XYPlot(dataset, expertAxis, taskAxis, renderer);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);

    NumberAxis shareAxis = new NumberAxis("share of adapted layers");
    shareAxis.setRange(0.0, 1.0);
    shareAxis.setTickUnit(TENTHS);
    PaintScaleLegend legend = new PaintScaleLegend(scale, shareAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
    legend.setStripWidth(18);
    legend.setMargin(8, 8, 8, 8);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.addSubtitle(legend);
    styled(chart);
    taskAxis.setGridBandsVisible(false);

    DecimalFormat format = twoDecimals();
    for (int cell = 0; cell < cells; cell++) {
      XYTextAnnotation label =
          new XYTextAnnotation(format.format(xyz[2][cell]), xyz[0][cell], xyz[1][cell]);
      label.setFont(THEME.getRegularFont());
      label.setPaint(xyz[2][cell] > 0.5 ? Color.WHITE : Color.BLACK);
      plot.addAnnotation(label);
    }
    save(png, chart);
  }

  /**
   * The trailing moving average of {@code values}: element {@code i} is the mean of the last
   * {@code window} values up to and including {@code i}, or of all of them while fewer precede it.
   */
  static List<Double> movingAverage(List<Double> values, int window) {
    requireWindow(window);
    List<Double> averages = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      int from = Math.max(0, i - window + 1);
      double sum = 0;
      for (int j = from; j <= i; j++) {
        sum += values.get(j);
      }
      averages.add(sum / (i - from + 1));
    }
    return averages;
  }

  private static StandardChartTheme theme() {
    StandardChartTheme theme = new StandardChartTheme("rankwise");
    theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
    theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    theme.setChartBackgroundPaint(Color.WHITE);
    theme.setPlotBackgroundPaint(Color.WHITE);
    theme.setLegendBackgroundPaint(Color.WHITE);
    theme.setPlotOutlinePaint(Color.GRAY);
    theme.setDomainGridlinePaint(new Color(0xDDDDDD));
    theme.setRangeGridlinePaint(new Color(0xDDDDDD));
    theme.setBarPainter(new StandardBarPainter());
    theme.setXYBarPainter(new StandardXYBarPainter());
    theme.setShadowVisible(false);
    Stroke line = new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    theme.setDrawingSupplier(
        new DefaultDrawingSupplier(
            SERIES_PAINTS,
            SERIES_PAINTS,
            new Paint[] {Color.DARK_GRAY},
            new Stroke[] {line},
            new Stroke[] {new BasicStroke(1f)},
            new Shape[] {DefaultDrawingSupplier.createStandardSeriesShapes()[0]}));
    return theme;
  }

  /** Applies the shared theme and anti-aliasing to {@code chart}. */
  private static JFreeChart styled(JFreeChart chart) {
    THEME.apply(chart);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    return chart;
  }

  /** Writes {@code chart} as a PNG, atomically. */
  private static void save(Path png, JFreeChart chart) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ChartUtils.writeChartAsPNG(bytes, chart, WIDTH, HEIGHT);
    AtomicFiles.write(png, bytes.toByteArray());
  }

  /** White to dark blue over shares 0 to 1, in steps of 0.01. */
  private static LookupPaintScale shareScale() {
    LookupPaintScale scale = new LookupPaintScale(0.0, 1.0, SHARE_ZERO);
    int steps = 100;
    for (int i = 0; i <= steps; i++) {
      double t = (double) i / steps;
      scale.add(
          t,
          new Color(
              mix(SHARE_ZERO.getRed(), SHARE_ONE.getRed(), t),
              mix(SHARE_ZERO.getGreen(), SHARE_ONE.getGreen(), t),
              mix(SHARE_ZERO.getBlue(), SHARE_ONE.getBlue(), t)));
    }
    return scale;
  }

  private static int mix(int from, int to, double t) {
    return (int) Math.round(from + (to - from) * t);
  }

  private static DecimalFormat twoDecimals() {
    return new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT));
  }

  private static void requireNonEmpty(Map<?, ?> map, String name) {
    if (map == null || map.isEmpty()) {
      throw new IllegalArgumentException(name + " is empty");
    }
  }

  private static void requireWindow(int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
  }

  private static void requireShare(Double value, String what) {
    if (value == null || !Double.isFinite(value)) {
      throw new IllegalArgumentException(what + " is not finite: " + value);
    }
    if (value < 0 || value > 1) {
      throw new IllegalArgumentException(what + " is outside [0, 1]: " + value);
    }
  }
}
