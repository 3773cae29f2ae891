<?php
/**
 * civiup's Backdrop session (docs/upgrade.md, "Backdrop operations in one
 * bootstrap").  One process per group of steps: civiup starts it before the
 * step that needs it, it bootstraps Backdrop once (the costly part: 1.5-2 s on
 * a real site), prints "ready", then runs one command per line of standard
 * input and answers each with one line, "ok" or "error: MESSAGE":
 *   maintenance 1|0   state_set('maintenance_mode', ...)   (bee maintenance-mode)
 *   disable NAME      module_disable(array(NAME), FALSE)   (bee disable)
 *   enable NAME       module_enable(array(NAME), FALSE)    (bee enable)
 *   cache-clear       backdrop_flush_all_caches()          (bee cache-clear all)
 *   quit              exit 0 (so does the end of input)
 * The calls are bee's own (backdrop-contrib/bee commands/state.bee.inc,
 * projects.bee.inc, cache.bee.inc), so module hooks run as with bee.  civiup
 * orders the modules itself, so dependents are never switched implicitly
 * (FALSE), unlike bee's default.  civiup checks every result in the database.
 * Run as `bee --root=ROOT php-script FILE` or as `php FILE` in the root.
 */

civiup_backdrop_main();

function civiup_backdrop_main() {
  $GLOBALS['civiup_backdrop_finished'] = FALSE;
  register_shutdown_function('civiup_backdrop_shutdown');
  try {
    if (!(function_exists('backdrop_bootstrap') && defined('BACKDROP_ROOT'))) {
      // The request Backdrop expects, as bee's bee_initialize_server() sets it.
      foreach (array('HTTP_HOST' => 'localhost', 'REMOTE_ADDR' => '127.0.0.1', 'SERVER_ADDR' => '127.0.0.1',
        'SERVER_SOFTWARE' => '', 'SERVER_NAME' => 'localhost', 'REQUEST_URI' => '/', 'REQUEST_METHOD' => 'GET',
        'SCRIPT_NAME' => '/index.php', 'PHP_SELF' => '/index.php', 'HTTP_USER_AGENT' => 'civiup') as $key => $value) {
        $_SERVER[$key] = $value;
      }
      define('BACKDROP_ROOT', getcwd());
      require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';
      backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);
    }
  }
  catch (Throwable $e) {
    civiup_backdrop_reply('error: bootstrap: ' . $e->getMessage());
    $GLOBALS['civiup_backdrop_finished'] = TRUE;
    exit(1);
  }
  civiup_backdrop_reply('ready');
  while (($line = fgets(STDIN)) !== FALSE) {
    $words = preg_split('/\s+/', trim($line), -1, PREG_SPLIT_NO_EMPTY);
    if (!$words) {
      continue;
    }
    if ($words[0] === 'quit') {
      break;
    }
    try {
      civiup_backdrop_command($words);
      civiup_backdrop_reply('ok');
    }
    catch (Throwable $e) {
      civiup_backdrop_reply('error: ' . $e->getMessage());
    }
  }
  $GLOBALS['civiup_backdrop_finished'] = TRUE;
  exit(0);
}

function civiup_backdrop_command(array $words) {
  $argument = isset($words[1]) ? $words[1] : '';
  switch ($words[0]) {
    case 'maintenance':
      state_set('maintenance_mode', $argument === '1');
      return;
    case 'disable':
      module_disable(array($argument), FALSE);
      return;
    case 'enable':
      if (!module_enable(array($argument), FALSE)) {
        throw new RuntimeException("module_enable($argument) refused (missing or its dependencies are)");
      }
      return;
    case 'cache-clear':
      backdrop_flush_all_caches();
      return;
  }
  throw new RuntimeException("unknown command '{$words[0]}'");
}

// One line per answer, flushed: civiup waits for it.
function civiup_backdrop_reply($line) {
  fwrite(STDOUT, str_replace("\n", ' ', $line) . "\n");
  fflush(STDOUT);
}

function civiup_backdrop_shutdown() {
  if (!empty($GLOBALS['civiup_backdrop_finished'])) {
    return;
  }
  $error = error_get_last();
  $fatal = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;
  $what = ($error !== NULL && ($error['type'] & $fatal))
    ? sprintf('PHP fatal error: %s in %s on line %d', $error['message'], $error['file'], $error['line'])
    : 'ended early (exit() called by the code it ran)';
  civiup_backdrop_reply('error: ' . $what);
  exit(1);
}
