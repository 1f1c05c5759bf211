-- A supplier site that shows a CAPTCHA or bot challenge: CAPTCHA_REQUIRED (collecte never solves one).
ALTER TABLE account_status DROP CONSTRAINT IF EXISTS account_status_status_check;
ALTER TABLE account_status ADD CONSTRAINT account_status_status_check CHECK (status IN ('OK', 'LOGIN_FAILED',
    'ACCOUNT_LOCKED', 'MFA_REQUIRED', 'CAPTCHA_REQUIRED', 'SITE_DOWN', 'LAYOUT_CHANGED', 'NO_NEW_DOCUMENTS',
    'NO_CONSENT'));
