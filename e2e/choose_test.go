package e2e

import (
	"testing"
	"time"

	"lightbox/app/apptest"
	"lightbox/e2e/scene"
)

// Choosing the photos of a bundle on a phone: a chosen photo is marked on
// the tile itself, and while Continue cannot be pressed the action bar
// says why (how many more to choose; how to swap once the choice is full).
func TestCheckoutChoiceOnPhone(t *testing.T) {
	b := newBrowser(t, phone)
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("studio@example.com")
	prj := op.Project("Garden party")
	op.UploadPhotos(prj, scene.Photo(960, 640, 5, 1, 2), scene.Photo(960, 640, 6, 1), scene.Photo(960, 640, 7, 1, 3))
	var pkg struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+prj+"/packages", map[string]any{"name": "Two to keep", "kind": "bundle", "photoCount": 2, "priceCents": 1500}, 201, &pkg)
	guestWithSelfie(t, env, op, prj)

	guest := b.tab("guest")
	defer guest.check()
	buy := "/app/projects/" + prj + "/buy/" + pkg.ID
	guest.open(env.URL + "/login?next=" + buy)
	guest.typeIn("#email", "guest@example.com")
	guest.typeIn("#password", apptest.Password)
	guest.click(`#login-form button[type=submit]`)
	guest.waitFor("choice", `document.querySelectorAll("#choose-photos li").length === 3`, 20*time.Second)

	const why = `document.querySelector("#continue-why")`
	const chosenMarks = `[...document.querySelectorAll("#choose-photos li")].filter((li) => getComputedStyle(li, "::after").borderTopWidth === "4px").length`
	guest.wait("reason before any choice", `document.querySelector("#continue").disabled && `+why+`.textContent.includes("Choose 2 more photos") && `+why+`.offsetHeight > 0 && document.querySelector("#continue").getAttribute("aria-describedby") === "continue-why"`)
	guest.click(`#choose-photos li:nth-child(1) input`)
	guest.wait("first chosen", chosenMarks+` === 1 && document.querySelector("#choose-photos li:nth-child(1)").classList.contains("chosen") && `+why+`.textContent.includes("Choose 1 more photo")`)
	guest.click(`#choose-photos li:nth-child(2) input`)
	guest.wait("choice full", chosenMarks+` === 2 && !document.querySelector("#continue").disabled && `+why+`.textContent.includes("swap")`)
	guest.shot("checkout-choice", "#choose-photos")
	// Tapping a third photo changes nothing: the choice is full.
	guest.click(`#choose-photos li:nth-child(3) input`)
	guest.wait("still two", chosenMarks+` === 2 && !document.querySelector("#choose-photos li:nth-child(3) input").checked`)
	// Taking one back disables Continue again, with the reason.
	guest.click(`#choose-photos li:nth-child(1) input`)
	guest.wait("one left", chosenMarks+` === 1 && document.querySelector("#continue").disabled && `+why+`.textContent.includes("Choose 1 more photo")`)
	guest.click(`#choose-photos li:nth-child(3) input`)
	guest.click("#continue")
	guest.wait("review", `!!document.querySelector("#place-order")`)
}
