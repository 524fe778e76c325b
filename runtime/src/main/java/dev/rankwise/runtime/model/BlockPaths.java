package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names every block of a tree by its path, such as {@code encoder.layer.3.attention.self.query}.
 *
 * <p>DJL stores a child under {@code String.format("%02d%s", position, name)}; a path segment is
 * that name without the position prefix. Children of a {@code SequentialBlock} or {@code
 * ParallelBlock} (which DJL names after their class) and children of a parent whose names collide
 * are named by their 0-based position instead, so a {@code SequentialBlock} of [Linear, Relu,
 * Linear] gives {@code 0}, {@code 1}, {@code 2}, as PyTorch's {@code nn.Sequential} does. The root
 * has the empty path.
 */
public final class BlockPaths {

  private BlockPaths() {}

  /** Every block below {@code root} (the root excluded) by path, in depth-first declaration order. */
  public static Map<String, Block> of(Block root) {
    Map<String, Block> paths = new LinkedHashMap<>();
    collect(root, "", paths);
    return paths;
  }

  /** The path segments of a block's direct children, in order. */
  public static List<String> childSegments(Block parent) {
    BlockList children = parent.getChildren();
    List<String> names = new ArrayList<>(children.size());
    Map<String, Integer> counts = new HashMap<>();
    int position = 1;
    for (Pair<String, Block> child : children) {
      String name = stripPosition(child.getKey(), position++);
      names.add(name);
      counts.merge(name, 1, Integer::sum);
    }
    boolean positional =
        parent instanceof SequentialBlock
            || parent instanceof ParallelBlock
            || counts.size() < names.size()
            || counts.containsKey("");
    if (!positional) {
      return names;
    }
    List<String> positions = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      positions.add(Integer.toString(i));
    }
    return positions;
  }

  /** Joins a parent path and a child segment. */
  public static String join(String parent, String segment) {
    return parent.isEmpty() ? segment : parent + "." + segment;
  }

  private static void collect(Block block, String path, Map<String, Block> paths) {
    BlockList children = block.getChildren();
    List<String> segments = childSegments(block);
    for (int i = 0; i < children.size(); i++) {
      String childPath = join(path, segments.get(i));
      Block child = children.valueAt(i);
      paths.put(childPath, child);
      collect(child, childPath, paths);
    }
  }

  private static String stripPosition(String key, int position) {
    String prefix = String.format(Locale.ROOT, "%02d", position);
    return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
  }
}
