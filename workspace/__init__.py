"""The workspace: the consultant's and the client executive's web application.

Server-rendered pages over the same services and selectors as the API, so a page and
the API never disagree. Every page looks its object up through the tenancy scopes in
`access`, so anything outside the user's scope is a 404."""
