<?php
/**
 * civiup's CiviCRM database upgrade runner (docs/upgrade.md, "The upgrade
 * runner").  civiup writes this file into the run's staging directory and
 * runs it in the Backdrop root, either as
 *   bee --root=ROOT php-script FILE   Backdrop is bootstrapped by bee, which
 *                                     include()s this file inside a function
 *                                     (backdrop-contrib/bee commands/php.bee.inc,
 *                                     script_bee_callback), or as
 *   php FILE                          this file bootstraps Backdrop itself, as
 *                                     Backdrop's index.php does.
 * What it does mirrors civicrm-backdrop's `drush civicrm-upgrade-db`
 * (drush/civicrm.drush.inc: drush_civicrm_upgrade_db_validate() and
 * drush_civicrm_upgrade_db()) and civicrm-core's CRM_Upgrade_Headless::run()
 * (CRM/Upgrade/Headless.php), with the queue run task by task so that each
 * task's title is one line of output: civiup shows those lines as progress.
 *
 * Exit status: 0 upgraded (or already at the code's version, as drush says
 * "You are already upgraded"); 1 refused or failed (an exception, a task that
 * failed, a PHP fatal error, or the script ending early).  civiup judges
 * success from civicrm_domain.version all the same.
 */

civiup_upgrade_db_main();

function civiup_upgrade_db_main() {
  // A fatal error ends PHP without reaching any catch: the shutdown function
  // turns it (or an exit() by someone else before the end) into status 1.
  $GLOBALS['civiup_upgrade_db_finished'] = FALSE;
  register_shutdown_function('civiup_upgrade_db_shutdown');
  try {
    civiup_bootstrap_backdrop();
    civiup_boot_civicrm_for_upgrade();
    $status = civiup_run_upgrade();
  }
  catch (Throwable $e) {
    civiup_say_error(get_class($e) . ': ' . $e->getMessage());
    $status = 1;
  }
  $GLOBALS['civiup_upgrade_db_finished'] = TRUE;
  exit($status);
}

function civiup_upgrade_db_shutdown() {
  if (!empty($GLOBALS['civiup_upgrade_db_finished'])) {
    return;
  }
  $error = error_get_last();
  $fatal = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;
  if ($error !== NULL && ($error['type'] & $fatal)) {
    civiup_say_error(sprintf('PHP fatal error: %s in %s on line %d', $error['message'], $error['file'], $error['line']));
  }
  else {
    civiup_say_error('the upgrade ended before it finished (exit() called by the code it ran)');
  }
  exit(1);
}

function civiup_say($line) {
  fwrite(STDOUT, $line . "\n");
  fflush(STDOUT);
}

function civiup_say_error($line) {
  fwrite(STDERR, 'civiup-upgrade-db: error: ' . str_replace("\n", ' ', $line) . "\n");
  fflush(STDERR);
}

/**
 * Under bee, Backdrop is up already.  Else as Backdrop's index.php: the root
 * is the working directory (civiup runs us there).
 */
function civiup_bootstrap_backdrop() {
  if (function_exists('backdrop_bootstrap') && defined('BACKDROP_ROOT')) {
    return;
  }
  civiup_cli_server();
  define('BACKDROP_ROOT', getcwd());
  require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';
  backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);
}

/**
 * The request Backdrop expects to be serving, as bee sets it before its
 * bootstrap (backdrop-contrib/bee includes/miscellaneous.inc,
 * bee_initialize_server).
 */
function civiup_cli_server() {
  $_SERVER['HTTP_HOST'] = 'localhost';
  $_SERVER['REMOTE_ADDR'] = '127.0.0.1';
  $_SERVER['SERVER_ADDR'] = '127.0.0.1';
  $_SERVER['SERVER_SOFTWARE'] = '';
  $_SERVER['SERVER_NAME'] = 'localhost';
  $_SERVER['REQUEST_URI'] = '/';
  $_SERVER['REQUEST_METHOD'] = 'GET';
  $_SERVER['SCRIPT_NAME'] = '/index.php';
  $_SERVER['PHP_SELF'] = '/index.php';
  $_SERVER['HTTP_USER_AGENT'] = 'civiup';
}

/**
 * CIVICRM_UPGRADE_ACTIVE must be defined before CiviCRM boots, or the finish
 * steps fail with the version already stamped (drush_civicrm_upgrade_db_validate).
 * civicrm.module has no hook_init or hook_boot, so Backdrop's full bootstrap
 * has not booted CiviCRM yet (the integration modules that might are disabled
 * by civiup before the upgrade).
 */
function civiup_boot_civicrm_for_upgrade() {
  if (!defined('CIVICRM_UPGRADE_ACTIVE')) {
    define('CIVICRM_UPGRADE_ACTIVE', 1);
  }
  $_GET['q'] = 'civicrm/upgrade';
  $_POST['upgrade'] = 1;
  if (function_exists('civicrm_initialize')) {
    // The site's own module (civicrm-backdrop civicrm.module) when Backdrop loaded it.
    if (!civicrm_initialize()) {
      throw new RuntimeException('civicrm_initialize() failed: CiviCRM could not boot');
    }
    return;
  }
  // As drush's _civicrm_init(): the settings file next to settings.php, the
  // class loader from $civicrm_root, then the config singleton.
  $settings = (function_exists('conf_path') ? conf_path() : '.') . '/civicrm.settings.php';
  if (!file_exists($settings)) {
    throw new RuntimeException("$settings: not found");
  }
  if (!defined('CIVICRM_SETTINGS_PATH')) {
    define('CIVICRM_SETTINGS_PATH', $settings);
  }
  // Declared first: the settings file assigns it in this function's scope.
  global $civicrm_root, $civicrm_setting, $civicrm_paths;
  include_once $settings;
  if (empty($civicrm_root) || !is_dir($civicrm_root)) {
    throw new RuntimeException("$settings: \$civicrm_root is not a directory");
  }
  set_include_path($civicrm_root . PATH_SEPARATOR . $civicrm_root . '/packages' . PATH_SEPARATOR . get_include_path());
  require_once $civicrm_root . '/CRM/Core/ClassLoader.php';
  CRM_Core_ClassLoader::singleton()->register();
  require_once 'CRM/Core/Config.php';
  CRM_Core_Config::singleton();
}

/**
 * The version checks of drush_civicrm_upgrade_db_validate() and
 * drush_civicrm_upgrade_db(), then CRM_Upgrade_Headless::run() step by step.
 */
function civiup_run_upgrade() {
  $upgrade = new CRM_Upgrade_Form();
  // Throws on a missing version and on a partial ("X.Y.Z.upgrade") database.
  list($currentVer, $latestVer) = $upgrade->getUpgradeVersions();
  civiup_say("Found CiviCRM database version $currentVer.");
  civiup_say("Found CiviCRM code version $latestVer.");
  if (version_compare($latestVer, $currentVer) == 0) {
    civiup_say("You are already upgraded to CiviCRM $latestVer");
    return 0;
  }
  if (version_compare($latestVer, $currentVer) < 0) {
    civiup_say_error("Database is marked with an unexpected version '$currentVer' which is higher than that of codebase version '$latestVer'.");
    return 1;
  }
  if ($error = $upgrade->checkUpgradeableVersion($currentVer, $latestVer)) {
    throw new Exception($error);
  }
  if (function_exists('set_time_limit')) {
    set_time_limit(0);
  }

  // From here as CRM_Upgrade_Headless::run().
  CRM_Core_DAO::dropTriggers();
  $preUpgradeMessage = NULL;
  $upgrade->setPreUpgradeMessage($preUpgradeMessage, $currentVer, $latestVer);
  if (!empty($preUpgradeMessage)) {
    civiup_say('Pre-upgrade messages: ' . civiup_text($preUpgradeMessage));
  }
  $postUpgradeMessageFile = CRM_Utils_File::tempnam('civicrm-post-upgrade');
  $runner = new CRM_Queue_Runner(array(
    'title' => ts('CiviCRM Upgrade Tasks'),
    'queue' => CRM_Upgrade_Form::buildQueue($currentVer, $latestVer, $postUpgradeMessageFile),
  ));
  civiup_run_queue($runner);
  CRM_Upgrade_Form::doFinish();

  $message = civiup_text(file_get_contents($postUpgradeMessageFile));
  civiup_say("Upgrade outputs:");
  if ($message !== '') {
    civiup_say($message);
  }
  civiup_say("Upgraded CiviCRM database to $latestVer.");
  return 0;
}

/**
 * CRM_Queue_Runner::runAll(), one runNext() at a time: the same error scope
 * per task, a line with each task's title, the failed task's exception thrown
 * (as Headless::run() does after printing it).
 */
function civiup_run_queue($runner) {
  $done = 0;
  do {
    $errorScope = CRM_Core_TemporaryErrorScope::useException();
    $result = $runner->runNext();
    $errorScope = NULL;
    $done++;
    $left = (int) $result['numberOfItems'];
    if (!empty($result['is_error'])) {
      // The failed task stays in the queue: it is one of the $left.
      civiup_say(sprintf('[%d/%d] %s: failed', $done, $done + $left - 1, $result['last_task_title']));
      $exception = $result['exception'];
      if ($exception instanceof Throwable) {
        throw $exception;
      }
      throw new RuntimeException('upgrade task "' . $result['last_task_title'] . '" failed');
    }
    civiup_say(sprintf('[%d/%d] %s', $done, $done + $left, $result['last_task_title']));
  } while (!empty($result['is_continue']));
  if (!empty($result['numberOfItems'])) {
    throw new RuntimeException('the upgrade queue stopped with ' . $result['numberOfItems'] . ' tasks left');
  }
}

function civiup_text($html) {
  if (class_exists('CRM_Utils_String') && method_exists('CRM_Utils_String', 'htmlToText')) {
    return trim(CRM_Utils_String::htmlToText((string) $html));
  }
  return trim(strip_tags((string) $html));
}
