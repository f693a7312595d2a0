package io.twotower.jobs;

/** The subcommands of {@link TwoTowerCli}, in pipeline order. */
public enum Stages {
  ;

  private final String command;
  private final String description;
  private final Stage stage;

  Stages(String command, String description, Stage stage) {
    this.command = command;
    this.description = description;
    this.stage = stage;
  }

  public String command() {
    return command;
  }

  public String description() {
    return description;
  }

  public Stage stage() {
    return stage;
  }
}
