package dev.rankwise.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads fenced code blocks out of a Markdown file and compares them with source text. */
final class Snippets {

  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*([\\w-]*).*$");
  private static final Pattern ELISION =
      Pattern.compile("^\\s*(\\.\\.\\.|<!--\\s*\\.\\.\\.\\s*-->|//\\s*\\.\\.\\.)\\s*$");
  private static final Pattern XML_COMMENT = Pattern.compile("<!--.*?-->", Pattern.DOTALL);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final int SHOWN = 70;

  private Snippets() {}

  /** A fenced block of the README: its section, language and lines (1-based, inclusive). */
  record Block(String section, String language, int firstLine, int lastLine, List<String> lines) {

    /**
     * The block cut at its elision lines, each piece normalized; empty pieces (a block that starts
     * or ends with "...") are dropped.
     */
    List<String> fragments(UnaryOperator<String> normalize) {
      List<String> fragments = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : lines) {
        if (ELISION.matcher(line).matches()) {
          add(fragments, normalize.apply(current.toString()));
          current.setLength(0);
        } else {
          current.append(line).append('\n');
        }
      }
      add(fragments, normalize.apply(current.toString()));
      return fragments;
    }

    private static void add(List<String> fragments, String fragment) {
      if (!fragment.isEmpty()) {
        fragments.add(fragment);
      }
    }

    @Override
    public String toString() {
      return "README.md lines " + firstLine + "-" + lastLine + " (```" + language + " under \""
          + section + "\")";
    }
  }

  /**
   * The {@code language} blocks under the heading {@code section}, up to the next heading of the
   * same or a higher level; fails if the README has no such heading.
   */
  static List<Block> blocks(String markdown, String section, String language) {
    String[] lines = markdown.split("\n", -1);
    List<Block> blocks = new ArrayList<>();
    int level = 0;
    boolean inSection = false;
    boolean found = false;
    String fenceLanguage = null;
    int fenceStart = 0;
    List<String> fenceLines = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher fence = FENCE.matcher(line);
      if (fenceLanguage != null) {
        if (fence.matches() && fence.group(1).isEmpty()) {
          if (inSection && fenceLanguage.equals(language)) {
            blocks.add(new Block(section, language, fenceStart, i, List.copyOf(fenceLines)));
          }
          fenceLanguage = null;
        } else {
          fenceLines.add(line);
        }
        continue;
      }
      if (fence.matches()) {
        fenceLanguage = fence.group(1);
        fenceStart = i + 2;
        fenceLines.clear();
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        int headingLevel = heading.group(1).length();
        if (inSection && headingLevel <= level) {
          inSection = false;
        }
        if (heading.group(2).equals(section)) {
          inSection = true;
          found = true;
          level = headingLevel;
        }
      }
    }
    if (!found) {
      throw new AssertionError("README.md has no heading \"" + section + "\"");
    }
    return blocks;
  }

  /** XML without comments, whitespace normalized. */
  static String normalizeXml(String xml) {
    return normalizeWhitespace(XML_COMMENT.matcher(xml).replaceAll(" "));
  }

  /** Java without comments, whitespace normalized; string and char literals are kept as they are. */
  static String normalizeJava(String java) {
    StringBuilder code = new StringBuilder(java.length());
    int i = 0;
    int n = java.length();
    while (i < n) {
      char c = java.charAt(i);
      if (java.startsWith("//", i)) {
        while (i < n && java.charAt(i) != '\n') {
          i++;
        }
        code.append(' ');
      } else if (java.startsWith("/*", i)) {
        int end = java.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        code.append(' ');
      } else if (java.startsWith("\"\"\"", i)) {
        int end = java.indexOf("\"\"\"", i + 3);
        int stop = end < 0 ? n : end + 3;
        code.append(java, i, stop);
        i = stop;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && java.charAt(j) != c && java.charAt(j) != '\n') {
          j += java.charAt(j) == '\\' ? 2 : 1;
        }
        int stop = Math.min(n, j + 1);
        code.append(java, i, stop);
        i = stop;
      } else {
        code.append(c);
        i++;
      }
    }
    return normalizeWhitespace(code.toString());
  }

  /**
   * Whitespace runs become one space between two word characters ({@code int x}) and nothing
   * elsewhere ({@code f( a )} reads {@code f(a)}), so line breaks and indentation do not matter.
   */
  static String normalizeWhitespace(String text) {
    String collapsed = WHITESPACE.matcher(text.strip()).replaceAll(" ");
    StringBuilder out = new StringBuilder(collapsed.length());
    for (int i = 0; i < collapsed.length(); i++) {
      char c = collapsed.charAt(i);
      if (c == ' ' && !(isWord(collapsed.charAt(i - 1)) && isWord(collapsed.charAt(i + 1)))) {
        continue;
      }
      out.append(c);
    }
    return out.toString();
  }

  private static boolean isWord(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  /**
   * Where {@code fragment} comes closest to one of {@code files}: the file holding its longest
   * prefix, and what follows there instead of the rest of the fragment.
   */
  static String nearMiss(String fragment, Map<Path, String> files) {
    int best = 0;
    Path bestFile = null;
    String bestText = "";
    for (Map.Entry<Path, String> file : files.entrySet()) {
      int length = longestPrefix(fragment, file.getValue());
      if (length > best || bestFile == null) {
        best = length;
        bestFile = file.getKey();
        bestText = file.getValue();
      }
    }
    StringBuilder message = new StringBuilder("  README:  ").append(shorten(fragment, 3 * SHOWN));
    if (best == 0) {
      return message.append("\n  closest: no file has even its first character").toString();
    }
    int at = bestText.indexOf(fragment.substring(0, best));
    String matched = fragment.substring(Math.max(0, best - SHOWN / 2), best);
    return message
        .append("\n  closest: ").append(bestFile).append(" agrees on the first ").append(best)
        .append(" of ").append(fragment.length()).append(" characters, up to \"").append(matched)
        .append("\"\n    then the README has \"").append(shorten(fragment.substring(best), SHOWN))
        .append("\"\n    where the file has  \"")
        .append(shorten(bestText.substring(at + best), SHOWN)).append('"')
        .toString();
  }

  /** The length of the longest prefix of {@code fragment} that occurs in {@code text}. */
  static int longestPrefix(String fragment, String text) {
    int low = 0;
    int high = fragment.length();
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (text.contains(fragment.substring(0, mid))) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  private static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }
}
