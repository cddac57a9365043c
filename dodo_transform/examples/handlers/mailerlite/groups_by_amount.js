function handler ( webhook ) {
if ( webhook . eventType === "payment.succeeded" ) {
const p = webhook . payload . data ;
// Determine groups based on product or amount
const groups = [ "165971156405323601" ];
// Add to premium group if high-value purchase
if ( p . total_amount >= 10000 ) { // $100+
groups . push ( "165971156405323603" );
}
webhook . url = "https://connect.mailerlite.com/api/subscribers" ;
webhook . payload = {
email: p . customer . email ,
fields: {
name: p . customer . name ,
last_purchase_amount: ( p . total_amount / 100 ). toFixed ( 2 ),
last_purchase_date: new Date ( webhook . payload . timestamp ). toISOString (). split ( 'T' )[ 0 ],
payment_id: p . payment_id
},
groups: groups ,
status: "active"
};
}
return webhook ;
}
