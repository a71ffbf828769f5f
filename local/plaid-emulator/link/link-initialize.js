// Plaid sandbox emulator: stands in for Plaid's https://cdn.plaid.com/link/v2/stable/link-initialize.js
// and keeps its public API: window.Plaid.create({ token, onSuccess, onExit, onEvent, onLoad,
// receivedRedirectUri }) returns
// { open, exit, destroy, submit }. Link runs as an accessible modal in the host page and talks to the
// emulator's /__emulator/link/* endpoints. Every control has a label and a stable data-testid
// (listed in local/plaid-emulator/README.md) so Playwright can drive it.
// OAuth banks (plaid.com/docs/link/oauth): Link sends the browser to the bank's page; the bank sends it
// back to the link token's redirect_uri with ?oauth_state_id=; the app re-creates Link with the same
// token and receivedRedirectUri, and Link resumes where it left off (account selection, success).
(function () {
  'use strict';
  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src).origin : window.location.origin;
  var STYLE_ID = 'plaid-emu-style';
  var CSS = [
    '.plaid-emu-overlay{position:fixed;inset:0;background:rgba(17,17,17,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}',
    '.plaid-emu-dialog{background:#fff;color:#111;width:min(380px,94vw);max-height:92vh;overflow:auto;border-radius:12px;padding:24px;box-shadow:0 12px 40px rgba(0,0,0,.3);position:relative}',
    '.plaid-emu-dialog h2{font-size:20px;margin:8px 0 12px}',
    '.plaid-emu-dialog p{margin:0 0 12px;color:#333}',
    '.plaid-emu-close{position:absolute;top:10px;right:10px;border:0;background:none;font-size:22px;cursor:pointer;line-height:1;padding:4px 8px}',
    '.plaid-emu-back{border:0;background:none;color:#0a58ca;cursor:pointer;padding:0;margin-bottom:4px}',
    '.plaid-emu-primary{display:block;width:100%;padding:12px;border:0;border-radius:8px;background:#111;color:#fff;font-size:15px;cursor:pointer;margin-top:12px}',
    '.plaid-emu-primary:disabled{opacity:.5;cursor:default}',
    '.plaid-emu-field{display:block;margin:10px 0}',
    '.plaid-emu-field span{display:block;font-size:13px;margin-bottom:4px;color:#333}',
    '.plaid-emu-field input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #999;border-radius:6px;font-size:15px}',
    '.plaid-emu-list{list-style:none;margin:8px 0;padding:0;max-height:300px;overflow:auto}',
    '.plaid-emu-list li{margin:0 0 6px}',
    '.plaid-emu-inst{width:100%;text-align:left;padding:10px 12px;border:1px solid #ddd;border-radius:8px;background:#fafafa;cursor:pointer;font-size:15px}',
    '.plaid-emu-inst:hover,.plaid-emu-inst:focus{border-color:#111}',
    '.plaid-emu-account{display:flex;gap:10px;align-items:center;padding:8px;border:1px solid #ddd;border-radius:8px}',
    '.plaid-emu-error{background:#fdecea;color:#8a1c13;border-radius:6px;padding:10px;margin:8px 0}',
    '.plaid-emu-hint{font-size:12px;color:#666}',
  ].join('\n');

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = v;
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function post(path, body) {
    return fetch(ORIGIN + '/__emulator/link/' + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json();
    });
  }

  function create(config) {
    if (!config || typeof config.token !== 'string') throw new Error('Plaid.create: token (a link_token) is required');
    var onSuccess = config.onSuccess || function () {};
    var onExit = config.onExit || function () {};
    var onEvent = config.onEvent || function () {};
    var onLoad = config.onLoad || function () {};
    var session = null;
    var loadError = null;
    var wantOpen = false;
    var root = null;
    var lastError = null;
    var lastRequestId = null;
    var status = null;
    var institution = null;
    var accounts = [];
    var previousFocus = null;
    var destroyed = false;

    function event(name, extra) {
      var meta = {
        error_code: null, error_message: null, error_type: null, exit_status: null,
        institution_id: institution ? institution.institution_id : null,
        institution_name: institution ? institution.name : null,
        institution_search_query: null,
        link_session_id: session ? session.link_session_id : null,
        mfa_type: null, request_id: lastRequestId, timestamp: new Date().toISOString(), view_name: null, selection: null,
      };
      Object.keys(extra || {}).forEach(function (k) { meta[k] = extra[k]; });
      try { onEvent(name, meta); } catch (e) { setTimeout(function () { throw e; }); }
    }

    post('session', { link_token: config.token, received_redirect_uri: config.receivedRedirectUri || null }).then(function (res) {
      if (res.error) loadError = res.error;
      else {
        session = res;
        lastRequestId = res.request_id;
        if (session.update) institution = session.update.institution;
        if (session.oauth_resume) { institution = session.oauth_resume.institution; accounts = session.oauth_resume.accounts; }
        onLoad();
      }
    }, function (e) {
      loadError = { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: String(e), display_message: 'Could not reach Plaid.' };
    }).then(function () {
      if (wantOpen) render();
    });

    function ensureStyle() {
      if (document.getElementById(STYLE_ID)) return;
      document.head.appendChild(el('style', { id: STYLE_ID, text: CSS }));
    }

    function close() {
      if (root && root.parentNode) root.parentNode.removeChild(root);
      root = null;
      document.removeEventListener('keydown', onKey, true);
      if (previousFocus && previousFocus.focus) previousFocus.focus();
    }

    function onKey(e) {
      if (e.key === 'Escape' && root) { e.preventDefault(); exit(); }
    }

    function exitMetadata() {
      return {
        institution: institution ? { name: institution.name, institution_id: institution.institution_id } : null,
        status: status,
        link_session_id: session ? session.link_session_id : null,
        request_id: lastRequestId,
      };
    }

    function exit(_opts, cb) {
      if (!root && !wantOpen) { if (typeof cb === 'function') cb(); return; }
      wantOpen = false;
      event('EXIT', { exit_status: status });
      close();
      try { onExit(lastError, exitMetadata()); } finally { if (typeof cb === 'function') cb(); }
    }

    /** Show one pane: a dialog with a heading, the pane body and a close button. */
    function pane(name, title, body, backTo) {
      ensureStyle();
      if (!root) {
        previousFocus = document.activeElement;
        root = el('div', { class: 'plaid-emu-overlay', 'data-testid': 'plaid-link-overlay' });
        document.body.appendChild(root);
        document.addEventListener('keydown', onKey, true);
      }
      root.innerHTML = '';
      var dialog = el('div', {
        class: 'plaid-emu-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'plaid-emu-title',
        'data-testid': 'plaid-link-dialog', 'data-pane': name,
      }, [
        el('button', { type: 'button', class: 'plaid-emu-close', 'aria-label': 'Close', 'data-testid': 'plaid-link-close', onclick: function () { exit(); } }, ['\u00d7']),
        backTo ? el('button', { type: 'button', class: 'plaid-emu-back', 'data-testid': 'plaid-link-back', onclick: backTo }, ['\u2190 Back']) : null,
        el('h2', { id: 'plaid-emu-title', text: title }),
        el('div', { 'data-testid': 'plaid-link-pane-' + name }, body),
      ]);
      root.appendChild(dialog);
      event('TRANSITION_VIEW', { view_name: name.toUpperCase().replace(/-/g, '_') });
      var first = dialog.querySelector('[data-autofocus]') || dialog.querySelector('input,button:not(.plaid-emu-close)');
      if (first) first.focus();
    }

    function errorBox(err) {
      return err ? el('div', { class: 'plaid-emu-error', role: 'alert', 'data-testid': 'plaid-link-error', 'data-error-code': err.error_code }, [err.display_message || err.error_message]) : null;
    }

    function render() {
      if (destroyed) return;
      if (loadError) {
        lastError = loadError;
        pane('error', 'Something went wrong', [errorBox(loadError)]);
        return;
      }
      event('OPEN');
      if (session.oauth_resume) { afterOAuth(); return; }
      if (session.update && institution.oauth) { status = 'requires_oauth'; oauth(); return; }
      if (session.update) { status = 'requires_credentials'; credentials(null); return; }
      consent();
    }

    /** Hand the browser to the bank's OAuth page; Link continues when re-opened at the redirect_uri. */
    function oauth() {
      var go = el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-oauth-continue', onclick: function () {
        go.disabled = true;
        post('oauth', { link_session_id: session.link_session_id, institution_id: institution.institution_id }).then(function (res) {
          lastRequestId = res.request_id || lastRequestId;
          if (res.error) {
            lastError = res.error;
            event('ERROR', { error_code: res.error.error_code, error_message: res.error.error_message, error_type: res.error.error_type, view_name: 'OAUTH' });
            pane('error', institution.name + ' could not be opened', [
              errorBox(res.error),
              session.update ? null : el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-error-back', onclick: selectInstitution }, ['Choose another bank']),
            ]);
            return;
          }
          event('OPEN_OAUTH');
          window.location.assign(res.oauth_url);
        }, networkError);
      } }, ['Continue to ' + institution.name]);
      pane('oauth', 'Continue to ' + institution.name, [
        el('p', { text: 'You will log in on ' + institution.name + '\u2019s own site and choose what to share, then come back here.' }),
        go,
      ], session.update ? null : selectInstitution);
    }

    /** Back from the bank: the login is done there; pick accounts (or finish update mode). */
    function afterOAuth() {
      event('TRANSITION_VIEW', { view_name: 'OAUTH_RETURN' });
      var selectable = !session.update || session.update.account_selection_enabled;
      if (selectable) { status = 'requires_account_selection'; selectAccounts(); } else complete(null);
    }

    function consent() {
      status = null;
      pane('consent', session.client_name + ' uses Plaid to connect your account', [
        el('p', { text: 'This is the local Plaid Sandbox emulator. No real bank is contacted.' }),
        el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-consent-continue', onclick: selectInstitution }, ['Continue']),
      ]);
    }

    function selectInstitution() {
      status = 'institution_not_found';
      var list = el('ul', { class: 'plaid-emu-list', 'aria-label': 'Institutions', 'data-testid': 'plaid-link-institution-list' });
      function fill(q) {
        list.innerHTML = '';
        session.institutions.filter(function (i) { return !q || i.name.toLowerCase().indexOf(q.toLowerCase()) >= 0; }).forEach(function (i) {
          list.appendChild(el('li', {}, [el('button', {
            type: 'button', class: 'plaid-emu-inst', 'data-testid': 'plaid-link-institution-' + i.institution_id,
            onclick: function () {
              institution = { institution_id: i.institution_id, name: i.name, oauth: i.oauth };
              event('SELECT_INSTITUTION');
              if (i.oauth) { status = 'requires_oauth'; oauth(); return; }
              status = 'requires_credentials';
              credentials(null);
            },
          }, [i.name])]));
        });
        if (!list.children.length) list.appendChild(el('li', { 'data-testid': 'plaid-link-no-results', text: 'No matching institutions' }));
      }
      var search = el('input', {
        type: 'search', id: 'plaid-emu-search', 'data-testid': 'plaid-link-search', autocomplete: 'off', 'data-autofocus': true,
        oninput: function (e) { fill(e.target.value); event('SEARCH_INSTITUTION', { institution_search_query: e.target.value }); },
      });
      fill('');
      pane('select-institution', 'Select your bank', [
        el('label', { class: 'plaid-emu-field', for: 'plaid-emu-search' }, [el('span', { text: 'Search institutions' })]),
        search,
        list,
      ], consentBack());
    }

    function consentBack() { return session.update ? null : consent; }

    function credentials(err) {
      var user = el('input', { id: 'plaid-emu-username', name: 'username', autocomplete: 'username', 'data-testid': 'plaid-link-username', 'data-autofocus': true });
      var pass = el('input', { id: 'plaid-emu-password', name: 'password', type: 'password', autocomplete: 'current-password', 'data-testid': 'plaid-link-password' });
      var submit = el('button', { type: 'submit', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-submit-credentials' }, ['Submit']);
      var form = el('form', {
        'aria-label': 'Log in to ' + institution.name, novalidate: true,
        onsubmit: function (e) {
          e.preventDefault();
          submit.disabled = true;
          event('SUBMIT_CREDENTIALS');
          post('login', { link_session_id: session.link_session_id, institution_id: institution.institution_id, username: user.value, password: pass.value }).then(afterLogin, networkError);
        },
      }, [
        errorBox(err),
        el('label', { class: 'plaid-emu-field', for: 'plaid-emu-username' }, [el('span', { text: 'Username' })]),
        user,
        el('label', { class: 'plaid-emu-field', for: 'plaid-emu-password' }, [el('span', { text: 'Password' })]),
        pass,
        el('p', { class: 'plaid-emu-hint', text: 'Sandbox: user_good / pass_good' }),
        submit,
      ]);
      pane('credential', (session.update ? 'Reconnect to ' : 'Log in at ') + institution.name, [form], session.update ? null : selectInstitution);
    }

    function networkError(e) {
      lastError = { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: String(e), display_message: 'Could not reach Plaid.' };
      pane('error', 'Something went wrong', [errorBox(lastError)]);
    }

    function afterLogin(res) {
      lastRequestId = res.request_id || lastRequestId;
      if (res.error) {
        lastError = res.error;
        event('ERROR', { error_code: res.error.error_code, error_message: res.error.error_message, error_type: res.error.error_type, view_name: 'CREDENTIAL' });
        if (res.error.error_type === 'INSTITUTION_ERROR') {
          pane('error', institution.name + ' is unavailable', [
            errorBox(res.error),
            el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-error-back', onclick: selectInstitution }, ['Choose another bank']),
          ]);
        } else if (res.error.error_code === 'INVALID_MFA') {
          mfa(res.error);
        } else {
          credentials(res.error);
        }
        return;
      }
      lastError = null;
      if (res.mfa) { status = 'requires_code'; mfa(null); return; }
      accounts = res.accounts;
      var selectable = !session.update || session.update.account_selection_enabled;
      if (selectable) { status = 'requires_account_selection'; selectAccounts(); } else complete(null);
    }

    function mfa(err) {
      var code = el('input', { id: 'plaid-emu-mfa', inputmode: 'numeric', autocomplete: 'one-time-code', 'data-testid': 'plaid-link-mfa-code', 'data-autofocus': true });
      var form = el('form', {
        'aria-label': 'Verification code',
        onsubmit: function (e) {
          e.preventDefault();
          event('SUBMIT_MFA', { mfa_type: 'code' });
          post('login', { link_session_id: session.link_session_id, institution_id: institution.institution_id, mfa_code: code.value }).then(afterLogin, networkError);
        },
      }, [
        errorBox(err),
        el('label', { class: 'plaid-emu-field', for: 'plaid-emu-mfa' }, [el('span', { text: 'Verification code' })]),
        code,
        el('p', { class: 'plaid-emu-hint', text: 'Sandbox code: 1234' }),
        el('button', { type: 'submit', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-submit-mfa' }, ['Submit']),
      ]);
      pane('mfa', 'Enter your verification code', [form]);
    }

    function selectAccounts() {
      var boxes = [];
      var list = el('ul', { class: 'plaid-emu-list', 'aria-label': 'Accounts', 'data-testid': 'plaid-link-account-list' });
      accounts.forEach(function (a) {
        var id = 'plaid-emu-acct-' + a.mask;
        var box = el('input', { type: 'checkbox', id: id, checked: true, value: a.mask, 'data-testid': 'plaid-link-account-' + a.mask });
        boxes.push(box);
        list.appendChild(el('li', {}, [el('label', { class: 'plaid-emu-account', for: id }, [box, a.name + ' \u2022\u2022\u2022\u2022' + a.mask + ' (' + a.subtype + ')'])]));
      });
      var cont = el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-accounts-continue', onclick: function () {
        var masks = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
        if (!masks.length) { lastError = { error_type: 'ITEM_ERROR', error_code: 'NO_ACCOUNTS', error_message: 'no accounts selected', display_message: 'Select at least one account.' }; return; }
        event('SELECT_ACCOUNT', { selection: masks.join(',') });
        complete(masks);
      } }, ['Continue']);
      pane('select-account', 'Select accounts to share with ' + session.client_name, [list, cont]);
    }

    function complete(masks) {
      pane('loading', 'Connecting\u2026', [el('p', { role: 'status', text: 'Connecting your account\u2026' })]);
      post('complete', { link_session_id: session.link_session_id, account_masks: masks }).then(function (res) {
        lastRequestId = res.request_id || lastRequestId;
        if (res.error) { lastError = res.error; pane('error', 'Something went wrong', [errorBox(res.error)]); return; }
        status = 'connected';
        pane('connected', 'Success', [
          el('p', { text: 'Your account has been connected to ' + session.client_name + '.' }),
          el('button', { type: 'button', class: 'plaid-emu-primary', 'data-testid': 'plaid-link-success-continue', onclick: function () {
            event('HANDOFF');
            wantOpen = false;
            close();
            onSuccess(res.public_token, res.metadata);
          } }, ['Continue']),
        ]);
      }, networkError);
    }

    return {
      open: function () {
        if (destroyed) return;
        wantOpen = true;
        if (session || loadError) render();
      },
      exit: exit,
      destroy: function () {
        destroyed = true;
        wantOpen = false;
        close();
      },
      submit: function (data) {
        // Plaid uses submit() for Layer phone numbers; the emulator records it as an event only.
        event('SUBMIT_PHONE', { selection: data && data.phone_number ? 'phone' : null });
      },
    };
  }

  window.Plaid = window.Plaid || {};
  window.Plaid.create = create;
  window.Plaid.version = 'plaid-sandbox-emulator';
})();
